// End-to-end: install.sh's OpenRC branch under dash and busybox sh, into a temporary root, against a real HTTP server;
// rc-service and rc-update are stand-ins that record their calls (rc-update makes the runlevel link as OpenRC does).
import { existsSync, lstatSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxBin, contentOf, fakeManagers, makeRoot, modeOf, runInstaller, SERVICE, SHELLS, snapshot } from '../helpers/install-host';
import { fakeAgentSource, type InstallServer, startInstallServer } from '../helpers/install-server';

const TOKEN = 'agt_openrc.Test-token_0123456789';
const MUTATING = /^rc-(service \S+ (start|restart|stop)|update)/;

describe.each(SHELLS)('install.sh --init openrc under %s', (shell) => {
  let srv: InstallServer;
  let root: string;
  let mgr: ReturnType<typeof fakeManagers>;
  let path: string | undefined;
  let pristine: Record<string, string>;
  const cleanup: string[] = [];

  beforeAll(async () => {
    srv = await startInstallServer({ agentSource: fakeAgentSource('v1'), runtime: null });
    root = makeRoot();
    mgr = fakeManagers(root);
    pristine = contentOf(snapshot(root));
    path = shell === 'busybox' ? busyboxBin('/usr/bin/node') : undefined;
    cleanup.push(root, mgr.bin, mgr.state, ...(path ? [path] : []));
  });
  afterAll(async () => {
    await srv.close();
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  });

  const install = () =>
    runInstaller(shell, ['--token', TOKEN, '--controller', srv.url, '--prefix', root, '--init', 'openrc'], { path, env: mgr.env });
  const initScript = () => join(root, 'etc/init.d', SERVICE);
  const link = () => join(root, 'etc/runlevels/default', SERVICE);
  const newCalls = (from: number) => mgr.calls().slice(from).filter((c) => MUTATING.test(c));

  it('refuses a tampered agent.js and installs nothing', async () => {
    srv.tamperAgent(true);
    const r = await install();
    srv.tamperAgent(false);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/checksum mismatch: agent\.js .* refusing to install/);
    expect(contentOf(snapshot(root))).toEqual(pristine);
    expect(mgr.calls()).toEqual([]);
  });

  it('writes agent.js, a 0600 env file and an init script under supervise-daemon, adds it to the default runlevel and starts it', async () => {
    const r = await install();
    expect(r.code).toBe(0);
    expect(readFileSync(join(root, 'opt/cost-optimizer/agent.js'), 'utf8')).toBe(fakeAgentSource('v1'));
    expect(modeOf(join(root, 'etc/cost-optimizer/agent.env'))).toBe('600');
    expect(readFileSync(join(root, 'etc/cost-optimizer/agent.env'), 'utf8')).toContain(`AGENT_TOKEN='${TOKEN}'`);
    expect(modeOf(initScript())).toBe('755');
    const script = readFileSync(initScript(), 'utf8');
    expect(script.startsWith('#!/sbin/openrc-run\n')).toBe(true);
    expect(script).toContain('supervisor=supervise-daemon');
    expect(script).toContain(`command='${join(root, 'opt/cost-optimizer/run-agent')}'`);
    expect(script).not.toContain(TOKEN);
    expect(lstatSync(link()).isSymbolicLink()).toBe(true);
    expect(newCalls(0)).toEqual([`rc-update add ${SERVICE} default`, `rc-service ${SERVICE} start`]);
  });

  it('a second run changes no file and restarts nothing', async () => {
    const before = snapshot(root);
    const from = mgr.calls().length;
    const r = await install();
    expect(r.code).toBe(0);
    expect(snapshot(root)).toEqual(before);
    expect(mgr.calls().slice(from)).toEqual([`rc-service ${SERVICE} status`]);
  });

  it('installs a new agent build and restarts the service', async () => {
    srv.setAgent(fakeAgentSource('v2'));
    const from = mgr.calls().length;
    const r = await install();
    expect(r.code).toBe(0);
    expect(readFileSync(join(root, 'opt/cost-optimizer/agent.js'), 'utf8')).toBe(fakeAgentSource('v2'));
    expect(newCalls(from)).toEqual([`rc-service ${SERVICE} restart`]);
  });

  it('--uninstall stops the service, drops it from the runlevel and removes everything it wrote', async () => {
    const from = mgr.calls().length;
    const r = await runInstaller(shell, ['--prefix', root, '--uninstall'], { path, env: mgr.env });
    expect(r.code).toBe(0);
    expect(mgr.calls().slice(from)).toEqual([`rc-service ${SERVICE} stop`, `rc-update del ${SERVICE} default`]);
    expect(existsSync(link())).toBe(false);
    expect(contentOf(snapshot(root))).toEqual(pristine);
  });
});
