// End-to-end: install.sh's systemd branch under dash and busybox sh, into a temporary root, against a real HTTP server
// serving installRoutes; systemctl is a stand-in that records its calls. The tests of one shell follow one host's life.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { contentOf, makeRoot, modeOf, runInstaller, SERVICE, SHELLS, snapshot } from '../helpers/install-host';
import { expectTamperedAgentRefused, useInstallHost } from '../helpers/install-fixture';
import { fakeAgentSource } from '../helpers/install-server';

const TOKEN = 'agt_systemd.Test-token_0123456789';
const MUTATING = /^systemctl (start|restart|enable|disable|stop|daemon-reload)/;

describe.each(SHELLS)('install.sh --init systemd under %s', (shell) => {
  const h = useInstallHost(shell, { managers: true });

  const install = (extra: string[] = [], r = h.root, env: Record<string, string> = h.mgr.env) =>
    runInstaller(shell, ['--token', TOKEN, '--controller', h.srv.url, '--prefix', r, '--init', 'systemd', ...extra], { path: h.path, env });
  const opt = (f: string) => join(h.root, 'opt/cost-optimizer', f);
  const envFile = () => join(h.root, 'etc/cost-optimizer/agent.env');
  const unitFile = () => join(h.root, 'etc/systemd/system', `${SERVICE}.service`);
  const newCalls = (from: number) =>
    h.mgr
      .calls()
      .slice(from)
      .filter((c) => MUTATING.test(c));

  it('refuses a tampered agent.js and installs nothing', async () => {
    await expectTamperedAgentRefused(h, () => install());
    expect(h.mgr.calls()).toEqual([]);
  });

  it('writes agent.js, a 0600 env file, the launcher and the unit, and starts the service', async () => {
    const r = await install();
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);

    expect(readFileSync(opt('agent.js'), 'utf8')).toBe(fakeAgentSource('v1'));
    expect(modeOf(opt('agent.js'))).toBe('644');
    expect(modeOf(opt('run-agent'))).toBe('755');
    expect(modeOf(join(h.root, 'opt/cost-optimizer'))).toBe('755');
    expect(modeOf(join(h.root, 'etc/cost-optimizer'))).toBe('700');
    expect(modeOf(envFile())).toBe('600');
    expect(modeOf(unitFile())).toBe('644');

    const env = readFileSync(envFile(), 'utf8');
    expect(env).toContain(`CONTROLLER_URL='ws://127.0.0.1:${new URL(h.srv.url).port}/agent'`);
    expect(env).toContain(`AGENT_TOKEN='${TOKEN}'`);
    const unit = readFileSync(unitFile(), 'utf8');
    expect(unit).toContain(`ExecStart=${opt('run-agent')}\n`);
    expect(unit).toContain('Restart=always');
    // The token lives in the env file only.
    for (const f of [unitFile(), opt('run-agent')]) expect(readFileSync(f, 'utf8')).not.toContain(TOKEN);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);

    expect(newCalls(0)).toEqual(['systemctl daemon-reload', `systemctl enable --quiet ${SERVICE}`, `systemctl start ${SERVICE}`]);
    // The launcher really starts the agent with the chosen node and the installed settings.
    const help = await promisify(execFile)(opt('run-agent'), ['--help']);
    expect(help.stdout).toContain('usage: cost-optimizer-agent (fake v1)');
  });

  it('a second run changes no file and restarts nothing', async () => {
    const before = snapshot(h.root);
    const from = h.mgr.calls().length;
    const r = await install();
    expect(r.code).toBe(0);
    expect(snapshot(h.root)).toEqual(before);
    expect(h.mgr.calls().length).toBeGreaterThan(from); // it did look (is-enabled, is-active)
    expect(newCalls(from)).toEqual([]);
  });

  it('installs a new agent build and restarts the service', async () => {
    h.srv.setAgent(fakeAgentSource('v2'));
    const from = h.mgr.calls().length;
    const r = await install();
    expect(r.code).toBe(0);
    expect(readFileSync(opt('agent.js'), 'utf8')).toBe(fakeAgentSource('v2'));
    expect(newCalls(from)).toEqual([`systemctl restart ${SERVICE}`]);
  });

  it('keeps the installed agent when an update is tampered with', async () => {
    const before = snapshot(h.root);
    const from = h.mgr.calls().length;
    h.srv.setAgent(fakeAgentSource('v3'));
    h.srv.tamperAgent(true);
    const r = await install();
    h.srv.tamperAgent(false);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('checksum mismatch');
    expect(snapshot(h.root)).toEqual(before);
    expect(h.mgr.calls().length).toBe(from);
  });

  it('--uninstall stops the service and removes everything it wrote', async () => {
    const from = h.mgr.calls().length;
    const r = await runInstaller(shell, ['--prefix', h.root, '--uninstall'], { path: h.path, env: h.mgr.env });
    expect(r.code).toBe(0);
    expect(contentOf(snapshot(h.root))).toEqual(h.pristine);
    expect(h.mgr.calls().slice(from)).toEqual([`systemctl disable --now --quiet ${SERVICE}`, 'systemctl daemon-reload']);
    expect(existsSync(join(h.mgr.state, 'active'))).toBe(false);
  });

  it('takes CONTROLLER_URL (a ws:// URL too) and AGENT_TOKEN from the environment; no SYSTEMCTL: systemd left alone', async () => {
    const other = makeRoot();
    h.removeAfter(other);
    const ws = h.srv.url.replace('http', 'ws') + '/agent';
    const r = await runInstaller(shell, ['--prefix', other, '--init', 'systemd'], { path: h.path, env: { CONTROLLER_URL: ws, AGENT_TOKEN: TOKEN } });
    expect(r.code).toBe(0);
    const env = readFileSync(join(other, 'etc/cost-optimizer/agent.env'), 'utf8');
    expect(env).toContain(`CONTROLLER_URL='${ws}'`);
    expect(env).toContain(`AGENT_TOKEN='${TOKEN}'`);
    expect(r.stdout).toContain('not starting the service');
    expect(existsSync(join(other, 'etc/systemd/system', `${SERVICE}.service`))).toBe(true);
  });
});
