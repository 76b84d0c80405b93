// End-to-end: install.sh's no-init branch (Docker-based instances) under dash and busybox sh: a real supervisor starts the
// (fake) agent, which reports to the test server with the installed settings; start hooks; restart on crash, update and uninstall.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  alive,
  cmdlineOf,
  contentOf,
  environOf,
  fakeManagers,
  killLeftovers,
  makeRoot,
  modeOf,
  runInstaller,
  SERVICE,
  SHELLS,
  snapshot,
  waitFor,
} from '../helpers/install-host';
import { expectTamperedAgentRefused, useInstallHost } from '../helpers/install-fixture';
import { fakeAgentSource, startInstallServer } from '../helpers/install-server';

const TOKEN = 'agt_none.Test-token_0123456789';
// Quotes, spaces and shell operators must reach the agent exactly as given.
const CHECKPOINT = `touch '/tmp/ckpt file' && echo "done: $HOME" | tee -a /tmp/x.log`;
const ONSTART = '#!/bin/bash\necho "user setup"\npython train.py --epochs 90\n';
const RC_LOCAL = '#!/bin/sh -e\n# rc.local\nexit 0\n';

describe.each(SHELLS)('install.sh --init none under %s', (shell) => {
  const h = useInstallHost(shell, {
    killLeftovers: true,
    prepare: (root) => {
      writeFileSync(join(root, 'root/onstart.sh'), ONSTART, { mode: 0o755 });
      writeFileSync(join(root, 'etc/rc.local'), RC_LOCAL, { mode: 0o755 });
    },
  });

  const install = (extra: string[] = ['--token', TOKEN], env: Record<string, string> = {}) =>
    runInstaller(shell, ['--controller', h.srv.url, '--prefix', h.root, '--init', 'none', ...extra], { path: h.path, env });
  const readPid = (name: string): number | undefined => {
    try {
      const pid = Number(readFileSync(join(h.root, 'var/run', name), 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const supervisorPid = () => readPid(`${SERVICE}.pid`) ?? 0;
  // The supervisor writes the agent's pid once it has started it: wait for the file (and for a new pid if asked).
  const agentPid = (not?: number) => waitFor(() => readPid(`${SERVICE}.child.pid`) !== not && readPid(`${SERVICE}.child.pid`), 'the agent pid file');
  const helloFrom = (pid: number) => waitFor(() => h.srv.hellos.find((h) => h.pid === pid), `a hello from agent pid ${pid}`);
  const supervise = join('opt/cost-optimizer/supervise');
  const hookLine = () => `'${join(h.root, supervise)}' start || true # ${SERVICE}: added by install.sh, removed by install.sh --uninstall`;

  it('refuses a tampered agent.js: nothing installed, nothing started', async () => {
    await expectTamperedAgentRefused(h, () => install());
  });

  it('starts the agent under a supervisor with the token from the 0600 env file, and hooks the start scripts', async () => {
    // The token comes in the environment this time: it must not stay in the supervisor's.
    const r = await install(['--checkpoint-cmd', CHECKPOINT], { AGENT_TOKEN: TOKEN });
    expect(r.code).toBe(0);
    expect(modeOf(join(h.root, 'etc/cost-optimizer/agent.env'))).toBe('600');
    expect(modeOf(join(h.root, supervise))).toBe('755');

    const hello = await helloFrom(await agentPid());
    expect(hello.version).toBe('v1');
    expect(hello.auth).toBe(`Bearer ${TOKEN}`);
    expect(hello.url).toBe(`ws://127.0.0.1:${new URL(h.srv.url).port}/agent`);
    expect(hello.checkpoint).toBe(CHECKPOINT);
    expect(alive(supervisorPid())).toBe(true);
    expect(cmdlineOf(supervisorPid())).toContain(join(h.root, supervise));
    // The token is on no command line of the long-running processes.
    for (const pid of [supervisorPid(), await agentPid()]) expect(cmdlineOf(pid)).not.toContain(TOKEN);
    expect(environOf(supervisorPid())).toContain('PATH=');
    expect(environOf(supervisorPid())).not.toContain(TOKEN);

    // The start line goes right after the shebang: the user's script may end in a long-running command.
    expect(readFileSync(join(h.root, 'root/onstart.sh'), 'utf8')).toBe(ONSTART.replace('\n', `\n${hookLine()}\n`));
    expect(readFileSync(join(h.root, 'etc/rc.local'), 'utf8')).toBe(RC_LOCAL.replace('\n', `\n${hookLine()}\n`));
    expect(modeOf(join(h.root, 'root/onstart.sh'))).toBe('755');
  });

  it('a second run changes no file and restarts nothing', async () => {
    const before = snapshot(h.root, (rel) => rel.startsWith('var/log/'));
    const [sup, agent] = [supervisorPid(), await agentPid()];
    const r = await install([]); // no --token: the installed one is kept, and the checkpoint command too
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('keeping the token');
    expect(snapshot(h.root, (rel) => rel.startsWith('var/log/'))).toEqual(before);
    expect([supervisorPid(), await agentPid()]).toEqual([sup, agent]);
    expect(alive(sup) && alive(agent)).toBe(true);
  });

  it('the supervisor restarts an agent that dies', async () => {
    const old = await agentPid();
    process.kill(old, 'SIGKILL');
    expect((await helloFrom(await agentPid(old))).version).toBe('v1');
  });

  it('a new agent build is installed and the agent restarted', async () => {
    const [sup, agent] = [supervisorPid(), await agentPid()];
    h.srv.setAgent(fakeAgentSource('v2'));
    const r = await install();
    expect(r.code).toBe(0);
    expect(supervisorPid()).not.toBe(sup);
    expect((await helloFrom(await agentPid(agent))).version).toBe('v2');
    await waitFor(() => !alive(sup) && !alive(agent), 'the old supervisor and agent to exit');
  });

  it('the start hook starts the supervisor only when it is not running', async () => {
    const hook = `${hookLine()}\n`;
    const sup = supervisorPid();
    const { execFileSync } = await import('node:child_process');
    execFileSync('/bin/sh', ['-c', hook], { env: { PATH: h.path ?? '/usr/bin:/bin' } });
    expect(supervisorPid()).toBe(sup);
  });

  it('--uninstall stops the supervisor and the agent and removes everything it wrote', async () => {
    const [sup, agent] = [supervisorPid(), await agentPid()];
    const r = await runInstaller(shell, ['--prefix', h.root, '--uninstall'], { path: h.path });
    expect(r.code).toBe(0);
    expect(alive(sup)).toBe(false);
    await waitFor(() => !alive(agent), 'the agent to exit');
    expect(contentOf(snapshot(h.root))).toEqual(h.pristine);
  });
});

describe('install.sh switching from no init system to systemd', () => {
  it('stops the supervisor and removes its files and start lines, so the agent never runs twice', async () => {
    const srv = await startInstallServer({ agentSource: fakeAgentSource('v1'), runtime: null });
    const root = makeRoot();
    const mgr = fakeManagers(root);
    try {
      writeFileSync(join(root, 'root/onstart.sh'), ONSTART, { mode: 0o755 });
      const base = ['--token', TOKEN, '--controller', srv.url, '--prefix', root];
      expect((await runInstaller('dash', [...base, '--init', 'none'])).code).toBe(0);
      const sup = Number(readFileSync(join(root, 'var/run', `${SERVICE}.pid`), 'utf8'));
      expect(alive(sup)).toBe(true);

      const r = await runInstaller('dash', [...base, '--init', 'systemd'], { env: mgr.env });
      expect(r.code).toBe(0);
      expect(alive(sup)).toBe(false);
      expect(existsSync(join(root, 'opt/cost-optimizer/supervise'))).toBe(false);
      expect(existsSync(join(root, 'var/run', `${SERVICE}.pid`))).toBe(false);
      expect(readFileSync(join(root, 'root/onstart.sh'), 'utf8')).toBe(ONSTART);
      expect(existsSync(join(root, 'etc/systemd/system', `${SERVICE}.service`))).toBe(true);
      expect(mgr.calls()).toContain(`systemctl start ${SERVICE}`);
    } finally {
      killLeftovers(root);
      await srv.close();
      for (const d of [root, mgr.bin, mgr.state]) rmSync(d, { recursive: true, force: true });
    }
  });
});
