// The agent runs as an unprivileged user: install.sh's launcher reads the 0600 env file as root, then switches to
// the agent's user with setpriv before Node starts; --root keeps root (an explicit choice, for checkpoint hooks that
// act on other users' processes). Under --prefix the user must exist: `nobody` stands in for cost-optimizer here.
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killLeftovers, makeRoot, modeOf, runInstaller, SERVICE, waitFor } from '../helpers/install-host';
import { fakeAgentSource, type InstallServer, startInstallServer } from '../helpers/install-server';

const TOKEN = 'tok_user_0123456789';
let srv: InstallServer;
const roots: string[] = [];

function uidOf(pid: number): number {
  const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1]);
}

beforeAll(async () => {
  srv = await startInstallServer({ agentSource: fakeAgentSource('v1'), runtime: null });
});
afterAll(async () => {
  for (const r of roots) {
    try {
      execFileSync('/usr/bin/dash', [join(r, 'opt/cost-optimizer/supervise'), 'stop'], { stdio: 'ignore' });
    } catch {
      killLeftovers(r);
    }
    rmSync(r, { recursive: true, force: true });
  }
  await srv.close();
});

describe.skipIf(process.getuid?.() !== 0)("the agent's user (install.sh --user / --root)", () => {
  it('runs the agent as --user with setpriv, the env file staying 0600 root', async () => {
    const root = makeRoot();
    roots.push(root);
    chmodSync(root, 0o755); // the agent's user must reach agent.js under the temporary root
    const r = await runInstaller('dash', ['--token', TOKEN, '--controller', srv.url, '--prefix', root, '--init', 'none', '--user', 'nobody']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('user nobody');
    const launcher = readFileSync(join(root, 'opt/cost-optimizer/run-agent'), 'utf8');
    expect(launcher).toMatch(/^exec setpriv --reuid=nobody --regid=\S+ --init-groups -- /m);
    expect(modeOf(join(root, 'etc/cost-optimizer/agent.env'))).toBe('600');
    const hello = await waitFor(() => srv.hellos.find((h) => h.auth === `Bearer ${TOKEN}`), "the agent's hello");
    const nobody = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    expect(uidOf(hello.pid)).toBe(nobody);
    const childPid = Number(readFileSync(join(root, 'var/run', `${SERVICE}.child.pid`), 'utf8').trim());
    expect(childPid).toBe(hello.pid);
  });

  it('--root is the explicit choice to keep root; --user must name an existing user under --prefix', async () => {
    const root = makeRoot();
    roots.push(root);
    const r = await runInstaller('dash', ['--token', TOKEN, '--controller', srv.url, '--prefix', root, '--init', 'none', '--no-start', '--root']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(root, 'opt/cost-optimizer/run-agent'), 'utf8')).not.toContain('setpriv');
    const missing = await runInstaller('dash', ['--token', TOKEN, '--controller', srv.url, '--prefix', root, '--no-start', '--user', 'no-such-user-xyz']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("user 'no-such-user-xyz' does not exist");
    const both = await runInstaller('dash', ['--token', TOKEN, '--controller', srv.url, '--prefix', root, '--root', '--user', 'nobody']);
    expect(both.stderr).toContain('--root and --user exclude each other');
  });
});
