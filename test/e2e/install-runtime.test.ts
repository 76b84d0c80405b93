// End-to-end: hosts without Node >= 18 get the controller's own Node runtime (GET /runtime/*), checked by sha256, and the
// agent really runs with it; platform mismatch, tampering and a controller serving no runtime are clear errors.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alive,
  busyboxBin,
  contentOf,
  fakeNodeBin,
  killLeftovers,
  makeRoot,
  modeOf,
  runInstaller,
  SERVICE,
  snapshot,
  tempDir,
  waitFor,
  writeExec,
} from '../helpers/install-host';
import { fakeAgentSource, type InstallServer, startInstallServer } from '../helpers/install-server';
import { agentNodeFlags } from '../helpers/agent-node-flags';

const TOKEN = 'agt_runtime.Test-token_0123456789';
const NODE_SHA = createHash('sha256').update(readFileSync(process.execPath)).digest('hex');
const run = promisify(execFile);

describe('install.sh on a host without Node >= 18', () => {
  let srv: InstallServer;
  const roots: string[] = [];
  const dirs: string[] = [];
  const root = () => {
    const r = makeRoot();
    roots.push(r);
    return r;
  };
  const dir = (d: string) => {
    dirs.push(d);
    return d;
  };

  beforeAll(async () => {
    srv = await startInstallServer({ agentSource: fakeAgentSource('v1') }); // serves this process's node
  });
  afterAll(async () => {
    for (const r of roots) killLeftovers(r);
    await srv.close();
    for (const d of [...roots, ...dirs]) rmSync(d, { recursive: true, force: true });
  });

  const args = (r: string, init = 'none', url = srv.url) => ['--token', TOKEN, '--controller', url, '--prefix', r, '--init', init];

  // The real thing: this process's 100 MB node binary, gzip-compressed by the controller, under dash.
  it('under dash with an old node (v16.20.0) on PATH: installs the served runtime, checks it, and the agent runs with it', async () => {
    const r = root();
    const path = `${dir(fakeNodeBin('v16.20.0'))}:/usr/bin:/bin`;
    const shell = 'dash';
    const res = await runInstaller(shell, args(r), { path });
    expect(res.stderr).not.toMatch(/error/);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/using the controller's Node runtime/);
    expect(res.stdout).toContain('sha256 verified');

    const node = join(r, 'opt/cost-optimizer/node');
    const agent = join(r, 'opt/cost-optimizer/agent.js');
    expect(createHash('sha256').update(readFileSync(node)).digest('hex')).toBe(NODE_SHA);
    expect(modeOf(node)).toBe('755');
    expect(readFileSync(join(r, 'opt/cost-optimizer/run-agent'), 'utf8')).toContain(`exec '${node}' ${agentNodeFlags().join(' ')} '${agent}' "$@"`);
    // `<runtime> <agent.js> --help` works, and the supervised agent runs on the served runtime.
    expect((await run(node, [agent, '--help'])).stdout).toContain('usage: cost-optimizer-agent');
    const hello = await waitFor(() => srv.hellos.find((h) => h.execPath === node), 'a hello from the agent on the served runtime');
    expect(hello.nodeVersion).toBe(process.version);
    expect(hello.auth).toBe(`Bearer ${TOKEN}`);

    // A second run checks the installed runtime against the served hash and downloads nothing.
    const mtime = statSync(node).mtimeMs;
    const again = await runInstaller(shell, args(r), { path });
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('downloaded');
    expect(statSync(node).mtimeMs).toBe(mtime);

    const agentPid = Number(readFileSync(join(r, 'var/run', `${SERVICE}.child.pid`), 'utf8'));
    expect((await runInstaller(shell, ['--prefix', r, '--uninstall'], { path })).code).toBe(0);
    await waitFor(() => !alive(agentPid), 'the agent to stop');
    expect(Object.keys(contentOf(snapshot(r))).filter((p) => p.includes('cost-optimizer'))).toEqual([]);
  }, 300_000); // ~10 s of CPU (gzip, gunzip, three hashes of 100 MB): generous for a loaded 2-core CI machine

  // The other variants download a small stand-in runtime (a script that execs this node) to keep the suite light;
  // the installer's path through download, gunzip, checksum and `--version` is the same.
  describe('with a small stand-in runtime', () => {
    let small: InstallServer;
    let wrapper: string;
    beforeAll(async () => {
      wrapper = join(dir(tempDir('co-runtime-')), 'node');
      writeExec(wrapper, `#!/bin/sh\nexec ${process.execPath} "$@"\n`);
      small = await startInstallServer({ agentSource: fakeAgentSource('v1'), runtime: { path: wrapper, platform: { version: process.version } } });
    });
    afterAll(() => small.close());

    it('under busybox on a busybox-only host: no node, the runtime is installed and the supervised agent starts with it', async () => {
      const shell = 'busybox';
      const r = root();
      const path = dir(busyboxBin(null));
      const res = await runInstaller(shell, args(r, 'none', small.url), { path });
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('sha256 verified');
      const node = join(r, 'opt/cost-optimizer/node');
      expect(readFileSync(node, 'utf8')).toBe(readFileSync(wrapper, 'utf8'));
      expect(modeOf(node)).toBe('755');
      expect(readFileSync(join(r, 'opt/cost-optimizer/run-agent'), 'utf8')).toContain(`exec '${node}' `);
      expect((await run(join(r, 'opt/cost-optimizer/run-agent'), ['--help'])).stdout).toContain('usage: cost-optimizer-agent');
      const agentPid = await waitFor(() => {
        try {
          return Number(readFileSync(join(r, 'var/run', `${SERVICE}.child.pid`), 'utf8')) || undefined;
        } catch {
          return undefined;
        }
      }, 'the agent pid');
      expect((await waitFor(() => small.hellos.find((h) => h.pid === agentPid), 'a hello')).auth).toBe(`Bearer ${TOKEN}`);
      expect((await runInstaller(shell, ['--prefix', r, '--uninstall'], { path })).code).toBe(0);
      await waitFor(() => !alive(agentPid), 'the agent to stop');
    }, 120_000);

    it('without gzip on the host, downloads the uncompressed runtime', async () => {
      const r = root();
      const path = dir(busyboxBin(null));
      for (const tool of ['gzip', 'gunzip']) unlinkSync(join(path, tool));
      const res = await runInstaller('busybox', [...args(r, 'systemd', small.url), '--no-start'], { path });
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('sha256 verified');
      expect(readFileSync(join(r, 'opt/cost-optimizer/node'), 'utf8')).toBe(readFileSync(wrapper, 'utf8'));
      expect((await run(join(r, 'opt/cost-optimizer/run-agent'), ['--help'])).stdout).toContain('usage: cost-optimizer-agent');
    }, 120_000);
  });

  it('refuses a tampered runtime and installs nothing', async () => {
    const r = root();
    const before = contentOf(snapshot(r));
    srv.tamperRuntime(true);
    const res = await runInstaller('dash', args(r), { path: dir(busyboxBin(null)) });
    srv.tamperRuntime(false);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/checksum mismatch: the Node runtime .* refusing to install/);
    expect(contentOf(snapshot(r))).toEqual(before);
  });

  it('stops with a clear error when the served runtime is for another platform', async () => {
    const other = await startInstallServer({ agentSource: fakeAgentSource('v1'), runtime: { platform: { arch: 'arm64' } } });
    try {
      const r = root();
      const before = contentOf(snapshot(r));
      const res = await runInstaller('dash', args(r, 'none', other.url), { path: dir(busyboxBin(null)) });
      expect(res.code).not.toBe(0);
      expect(res.stderr).toMatch(/unsupported platform: this host is linux-x64-glibc but the controller's Node runtime is linux-arm64-glibc/);
      expect(contentOf(snapshot(r))).toEqual(before);
    } finally {
      await other.close();
    }
  });

  it('stops with a clear error when the controller serves no runtime', async () => {
    const other = await startInstallServer({ agentSource: fakeAgentSource('v1'), runtime: null });
    try {
      const r = root();
      const res = await runInstaller('busybox', args(r, 'none', other.url), { path: dir(busyboxBin(null)) });
      expect(res.code).not.toBe(0);
      expect(res.stderr).toMatch(/no Node >= 18 and the controller serves no Node runtime.*install Node >= 18, or pass --node PATH/);
    } finally {
      await other.close();
    }
  });

  it('--node PATH must be Node >= 18', async () => {
    const old = join(dir(fakeNodeBin('v16.20.0')), 'node');
    const res = await runInstaller('dash', [...args(root()), '--node', old]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(`--node ${old} is Node 16; the agent needs Node >= 18`);
  });
});
