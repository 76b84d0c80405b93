// Static checks of what install/ ships and generates: shellcheck on install.sh and on every shell script it writes,
// `systemd-analyze verify` on the controller unit and on the agent unit install.sh writes, the hardening the unit promises.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTALL_SH, makeRoot, runInstaller, SERVICE, tempDir } from '../helpers/install-host';
import { fakeAgentSource, type InstallServer, startInstallServer } from '../helpers/install-server';

const CONTROLLER_UNIT = resolve(import.meta.dirname, '../../install/cost-optimizer.service');

function exec(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((done) => execFile(cmd, args, (err, stdout, stderr) => done({ code: err ? Number(err.code ?? 1) : 0, out: `${stdout}${stderr}` })));
}
// --man=no: Documentation= pages are not installed here. Any output (even a warning) counts as a failure.
const verify = (unit: string) => exec('systemd-analyze', ['verify', '--man=no', unit]);

describe('install/ scripts and units', () => {
  let srv: InstallServer;
  const roots: Record<'systemd' | 'openrc' | 'none', string> = { systemd: '', openrc: '', none: '' };
  const dirs: string[] = [];

  beforeAll(async () => {
    srv = await startInstallServer({ agentSource: fakeAgentSource('v1'), runtime: null });
    for (const init of ['systemd', 'openrc', 'none'] as const) {
      roots[init] = makeRoot();
      dirs.push(roots[init]);
      const r = await runInstaller('dash', ['--token', 'tok_0123456789', '--controller', srv.url, '--prefix', roots[init], '--init', init, '--no-start']);
      if (r.code !== 0) throw new Error(`install --init ${init} failed: ${r.stderr}`);
    }
  });
  afterAll(async () => {
    await srv.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('install.sh is POSIX sh: shellcheck finds nothing, at any severity', async () => {
    const r = await exec('shellcheck', ['--shell=sh', '--severity=style', INSTALL_SH]);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('the supervisor program is its own file, shellchecked, and the served install.sh carries it inlined', async () => {
    const sup = resolve(INSTALL_SH, '../supervise.sh');
    const r = await exec('shellcheck', ['--shell=sh', '--severity=style', sup]);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
    const served = await (await fetch(`${srv.url}/install.sh`)).text();
    expect(served).not.toMatch(/^@@SUPERVISE_SH@@$/m);
    expect(served).toContain(readFileSync(sup, 'utf8').split('\n').slice(2).join('\n').trimEnd());
    const dir = tempDir('co-served-');
    dirs.push(dir);
    writeFileSync(join(dir, 'install.sh'), served);
    const s = await exec('shellcheck', ['--shell=sh', '--severity=style', join(dir, 'install.sh')]);
    expect(s.out).toBe('');
  });

  it('install.sh has the installer shape: set -eu, everything in functions, one main "$@" at the end', () => {
    const text = readFileSync(INSTALL_SH, 'utf8');
    expect(text.startsWith('#!/bin/sh\n')).toBe(true);
    expect(text).toMatch(/^set -eu$/m);
    expect(text.trimEnd().endsWith('\nmain "$@"')).toBe(true);
    expect(text.match(/^main "\$@"$/gm)).toHaveLength(1);
  });

  it('the scripts install.sh writes pass shellcheck too (launcher, supervisor, OpenRC script)', async () => {
    const scripts = [
      join(roots.none, 'opt/cost-optimizer/run-agent'),
      join(roots.none, 'opt/cost-optimizer/supervise'),
      join(roots.openrc, 'etc/init.d', SERVICE),
    ];
    for (const s of scripts) {
      // The launcher sources the env file, which shellcheck cannot follow from here.
      const r = await exec('shellcheck', ['--shell=sh', '--severity=style', '--exclude=SC1090,SC1091', s]);
      expect({ script: s, out: r.out }).toEqual({ script: s, out: '' });
      expect(r.code).toBe(0);
    }
  });

  it('systemd-analyze verify passes on the controller unit', async () => {
    const r = await verify(CONTROLLER_UNIT);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('systemd-analyze verify passes on the agent unit install.sh writes', async () => {
    const unit = join(roots.systemd, 'etc/systemd/system', `${SERVICE}.service`);
    const r = await verify(unit);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('systemd-analyze verify does flag a broken unit (the check can fail)', async () => {
    const dir = tempDir('co-bad-unit-');
    dirs.push(dir);
    const bad = join(dir, 'bad.service');
    writeFileSync(bad, readFileSync(CONTROLLER_UNIT, 'utf8').replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes'));
    expect((await verify(bad)).out).toMatch(/Unknown key/);
    writeFileSync(bad, '[Service]\nExecStart=/nonexistent/bin/node serve\n');
    expect((await verify(bad)).code).not.toBe(0);
  });

  it('the controller unit runs hardened as its own user with a 0600 env file and the state dir writable', () => {
    const unit = readFileSync(CONTROLLER_UNIT, 'utf8');
    const settings = new Map<string, string[]>();
    for (const line of unit.split('\n')) {
      const m = /^([A-Za-z]+)=(.*)$/.exec(line);
      if (m) settings.set(m[1]!, [...(settings.get(m[1]!) ?? []), m[2]!]);
    }
    const one = (k: string) => settings.get(k)?.at(-1);
    expect(one('User')).toBe('cost-optimizer');
    expect(one('EnvironmentFile')).toBe('/etc/cost-optimizer/controller.env');
    expect(one('StateDirectory')).toBe('cost-optimizer');
    expect(settings.get('Environment')).toContain('DATA_DIR=/var/lib/cost-optimizer');
    expect(one('ExecStart')).toBe('/usr/bin/env node /opt/cost-optimizer/dist/cli.mjs serve');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ReadWritePaths')).toBe('/var/lib/cost-optimizer');
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('ProtectHome')).toBe('yes');
    expect(one('Restart')).toBe('on-failure');
    expect(one('KillSignal')).toBe('SIGTERM');
    expect(one('RestrictAddressFamilies')).toBe('AF_INET AF_INET6 AF_UNIX');
    // V8 JIT-compiles: W^X memory would kill node.
    expect(settings.has('MemoryDenyWriteExecute')).toBe(false);
  });
});
