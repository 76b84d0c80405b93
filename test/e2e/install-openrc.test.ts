// End-to-end: install.sh's OpenRC branch under dash and busybox sh, into a temporary root, against a real HTTP server;
// rc-service and rc-update are stand-ins that record their calls (rc-update makes the runlevel link as OpenRC does).
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentOf, modeOf, runInstaller, SERVICE, SHELLS, snapshot } from '../helpers/install-host';
import { expectTamperedAgentRefused, useInstallHost } from '../helpers/install-fixture';
import { fakeAgentSource } from '../helpers/install-server';

const TOKEN = 'agt_openrc.Test-token_0123456789';
const MUTATING = /^rc-(service \S+ (start|restart|stop)|update)/;

describe.each(SHELLS)('install.sh --init openrc under %s', (shell) => {
  const h = useInstallHost(shell, { managers: true });

  const install = () =>
    runInstaller(shell, ['--token', TOKEN, '--controller', h.srv.url, '--prefix', h.root, '--init', 'openrc'], { path: h.path, env: h.mgr.env });
  const initScript = () => join(h.root, 'etc/init.d', SERVICE);
  const link = () => join(h.root, 'etc/runlevels/default', SERVICE);
  const newCalls = (from: number) =>
    h.mgr
      .calls()
      .slice(from)
      .filter((c) => MUTATING.test(c));

  it('refuses a tampered agent.js and installs nothing', async () => {
    await expectTamperedAgentRefused(h, () => install());
    expect(h.mgr.calls()).toEqual([]);
  });

  it('writes agent.js, a 0600 env file and an init script under supervise-daemon, adds it to the default runlevel and starts it', async () => {
    const r = await install();
    expect(r.code).toBe(0);
    expect(readFileSync(join(h.root, 'opt/cost-optimizer/agent.js'), 'utf8')).toBe(fakeAgentSource('v1'));
    expect(modeOf(join(h.root, 'etc/cost-optimizer/agent.env'))).toBe('600');
    expect(readFileSync(join(h.root, 'etc/cost-optimizer/agent.env'), 'utf8')).toContain(`AGENT_TOKEN='${TOKEN}'`);
    expect(modeOf(initScript())).toBe('755');
    const script = readFileSync(initScript(), 'utf8');
    expect(script.startsWith('#!/sbin/openrc-run\n')).toBe(true);
    expect(script).toContain('supervisor=supervise-daemon');
    expect(script).toContain(`command='${join(h.root, 'opt/cost-optimizer/run-agent')}'`);
    expect(script).not.toContain(TOKEN);
    expect(lstatSync(link()).isSymbolicLink()).toBe(true);
    expect(newCalls(0)).toEqual([`rc-update add ${SERVICE} default`, `rc-service ${SERVICE} start`]);
  });

  it('a second run changes no file and restarts nothing', async () => {
    const before = snapshot(h.root);
    const from = h.mgr.calls().length;
    const r = await install();
    expect(r.code).toBe(0);
    expect(snapshot(h.root)).toEqual(before);
    expect(h.mgr.calls().slice(from)).toEqual([`rc-service ${SERVICE} status`]);
  });

  it('installs a new agent build and restarts the service', async () => {
    h.srv.setAgent(fakeAgentSource('v2'));
    const from = h.mgr.calls().length;
    const r = await install();
    expect(r.code).toBe(0);
    expect(readFileSync(join(h.root, 'opt/cost-optimizer/agent.js'), 'utf8')).toBe(fakeAgentSource('v2'));
    expect(newCalls(from)).toEqual([`rc-service ${SERVICE} restart`]);
  });

  it('--uninstall stops the service, drops it from the runlevel and removes everything it wrote', async () => {
    const from = h.mgr.calls().length;
    const r = await runInstaller(shell, ['--prefix', h.root, '--uninstall'], { path: h.path, env: h.mgr.env });
    expect(r.code).toBe(0);
    expect(h.mgr.calls().slice(from)).toEqual([`rc-service ${SERVICE} stop`, `rc-update del ${SERVICE} default`]);
    expect(existsSync(link())).toBe(false);
    expect(contentOf(snapshot(h.root))).toEqual(h.pristine);
  });
});
