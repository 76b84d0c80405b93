// The SSH fallback against real sshd processes on loopback, with the fake nvidia-smi on the remote PATH: readings
// arrive with source ssh; a host that refuses the key, one that hangs, one whose nvidia-smi fails and one whose
// nvidia-smi never returns all end as unknown, in the same sweep, without holding up the good hosts.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuStatsSchema } from '../../protocol';
import { SshPoller, toSshSample, type SshResult, type SshTarget } from '../../controller/src/ssh';
import { hostKeyAlias } from '../../controller/src/ssh/ssh-args';
import { openPseudoTerminal } from '../helpers/pseudo-terminal';
import { openStore } from '../../controller/src/store';
import { BUSY_H100, FAKE_NVIDIA_SMI, IDLE_H100, writeFakeState, type FakeState } from '../../controller/src/fake-world/fake-nvidia-smi';
import { fakeBinDir, generateKeyPair, startSilentServer, startSshd, type KeyPair, type Sshd } from '../../controller/src/fake-world/sshd';
import { capturePath, fakeGpuOf, loadCaptureSections } from '../fixtures/captures';

// Hard deadline per host; ssh's ConnectTimeout (banner wait of the silent host) is 70 % of it. Large next to a good
// poll (under a second) so the ordering checks below hold on a loaded machine.
const TIMEOUT_SEC = 8;
const dir = mkdtempSync(join(tmpdir(), 'ssh-poller-'));
let userKey: KeyPair;
let otherKey: KeyPair;
const servers: Sshd[] = [];
let silent: Awaited<ReturnType<typeof startSilentServer>>;
const pollers: SshPoller[] = [];
const hosts: Record<'idle' | 'busy' | 'refusing' | 'driver' | 'smiHang', Sshd> = {} as never;

/** One sshd = one simulated host, with its own fake GPU state file. */
async function host(name: string, state: FakeState, authorized: KeyPair, env: Record<string, string> = {}): Promise<Sshd> {
  const hdir = join(dir, name);
  const statePath = join(dir, `${name}.json`);
  mkdirSync(hdir, { recursive: true });
  writeFakeState(statePath, state);
  const s = await startSshd({
    dir: hdir,
    authorizedKeys: [authorized.publicKey],
    binDir: fakeBinDir(dir, FAKE_NVIDIA_SMI),
    env: { FAKE_NVIDIA_SMI_STATE: statePath, ...env },
  });
  servers.push(s);
  return s;
}

function poller(extra: Partial<ConstructorParameters<typeof SshPoller>[0]> = {}, dataDir = join(dir, 'data')): SshPoller {
  const p = new SshPoller({
    config: { user: hosts.idle.user, keyPath: userKey.privateKey, port: 22, timeoutSec: TIMEOUT_SEC, concurrency: 8, dataDir },
    controlPersistSec: 60,
    ...extra,
  });
  pollers.push(p);
  return p;
}

const target = (id: string, s: { port: number }): SshTarget => ({ instanceId: id, host: '127.0.0.1', port: s.port });
const byId = (rs: SshResult[], id: string) => rs.find((r) => r.instanceId === id)!;

beforeAll(async () => {
  userKey = await generateKeyPair(join(dir, 'user_key'));
  otherKey = await generateKeyPair(join(dir, 'other_key'));
  [hosts.idle, hosts.busy, hosts.refusing, hosts.driver, hosts.smiHang] = await Promise.all([
    host('idle', { gpus: [{ ...IDLE_H100, util: 3 }] }, userKey),
    host('busy', { gpus: [BUSY_H100, IDLE_H100] }, userKey),
    host('refusing', { gpus: [IDLE_H100] }, otherKey), // our key is not in its authorized_keys
    host('driver', { mode: 'driver-fail' }, userKey),
    host('smi-hang', { mode: 'hang' }, userKey),
  ]);
  silent = await startSilentServer();
});

afterAll(async () => {
  for (const p of pollers) await p.close();
  await Promise.all(servers.map((s) => s.stop()));
  await silent?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SSH poller against real sshd', () => {
  it('polls good and bad hosts in one sweep: good ones get readings, bad ones end unknown within the timeout', async () => {
    const p = poller();
    const targets = [
      target('manual:hang', silent),
      target('manual:smi-hang', hosts.smiHang),
      target('manual:refusing', hosts.refusing),
      target('manual:driver', hosts.driver),
      target('manual:idle', hosts.idle),
      target('vast:busy', hosts.busy),
    ];
    const rs = await p.sweep(targets);
    expect(rs.map((r) => r.instanceId)).toEqual(targets.map((t) => t.instanceId));

    const idle = byId(rs, 'manual:idle');
    expect(idle.ok).toBe(true);
    if (!idle.ok) throw new Error('unreachable');
    expect(idle.gpus).toHaveLength(1);
    expect(idle.gpus[0]).toMatchObject({ index: 0, count: 1, utilUnknown: 0, util: { min: 3, mean: 3, max: 3 }, memTotal: 81559 });
    const sample = toSshSample(idle);
    expect(sample).toMatchObject({ instanceId: 'manual:idle', source: 'ssh', health: { state: 'ok' }, procs: null });
    for (const g of sample.gpus) expect(GpuStatsSchema.safeParse(g).success).toBe(true);

    const busy = byId(rs, 'vast:busy');
    expect(busy.ok && busy.gpus.map((g) => g.util?.max)).toEqual([100, 0]);

    const codes = Object.fromEntries(rs.filter((r) => !r.ok).map((r) => [r.instanceId, !r.ok && r.code]));
    expect(codes).toEqual({ 'manual:hang': 'timeout', 'manual:smi-hang': 'timeout', 'manual:refusing': 'auth', 'manual:driver': 'driver' });
    const refusing = byId(rs, 'manual:refusing');
    expect(!refusing.ok && refusing.message).toMatch(/permission denied/i);

    // Every failure becomes an unknown sample: error health and no GPU stats, so it can never count as idle.
    for (const r of rs.filter((x) => !x.ok)) {
      const s = toSshSample(r);
      expect(s.source).toBe('ssh');
      expect(s.gpus).toEqual([]);
      expect(s.health.state).toBe('error');
    }
    const driverSample = toSshSample(byId(rs, 'manual:driver'));
    expect(driverSample.health).toMatchObject({ state: 'error', code: 'driver' });

    // The hanging hosts were cut (they never answer by themselves: without the deadline the sweep would not return);
    // the bound only says "cut by the deadline, not by something else later", with room for a loaded machine.
    for (const r of rs) expect(r.durationMs).toBeLessThan(TIMEOUT_SEC * 1000 * 3);
    // The good hosts did not wait for the hanging ones: both hang results ended after every good result ended.
    const lastGood = Math.max(idle.t1, busy.t1);
    expect(byId(rs, 'manual:hang').t1).toBeGreaterThan(lastGood);
    expect(byId(rs, 'manual:smi-hang').t1).toBeGreaterThan(lastGood);
    expect(idle.durationMs).toBeLessThan(byId(rs, 'manual:smi-hang').durationMs);

    // A master whose poll timed out is dropped (it would hang the next client); the good hosts keep theirs.
    expect(await p.masterAlive(target('manual:smi-hang', hosts.smiHang))).toBe(false);
    expect(await p.masterAlive(target('manual:idle', hosts.idle))).toBe(true);

    // Through the store's shared insert path, as agent batches go: readings are a known ssh sample, failures unknown.
    const store = openStore(join(dir, 'store.db'));
    try {
      const now = Date.now();
      for (const r of rs) store.ensureInstance(r.instanceId, now);
      const stored = store.insertSamples(rs.map(toSshSample), now + 1_000);
      expect(stored.map((x) => x.status)).toEqual(rs.map(() => 'inserted'));
      const summary = (id: string) => stored[rs.findIndex((r) => r.instanceId === id)]!.summary!;
      expect(summary('manual:idle')).toMatchObject({ source: 'ssh', unknown: false, utilMax: 3 });
      expect(summary('vast:busy')).toMatchObject({ source: 'ssh', unknown: false, utilMax: 100 });
      for (const id of ['manual:hang', 'manual:smi-hang', 'manual:refusing', 'manual:driver']) {
        expect(summary(id)).toMatchObject({ source: 'ssh', unknown: true });
      }
      expect(store.getInstance('manual:idle')!.metricSource).toBe('ssh');
    } finally {
      store.close();
    }
  });

  it('reuses one connection per host across sweeps and ends the masters on close', async () => {
    const p = poller({}, join(dir, 'data-reuse'));
    const t = target('manual:reuse', hosts.busy);
    const accepted = () => (hosts.busy.log().match(/Accepted publickey/g) ?? []).length;
    const before = accepted();
    for (let i = 0; i < 3; i++) expect((await p.sweep([t]))[0]!.ok).toBe(true);
    // Three polls, one authentication: the second and third went through the master.
    expect(accepted() - before).toBe(1);
    expect(await p.masterAlive(t)).toBe(true);
    await p.close();
    expect(await p.masterAlive(t)).toBe(false);
    await expect(p.sweep([t])).rejects.toThrow(/closed/);
  });

  it('a restarted controller finds the masters its predecessor kept and starts warm', async () => {
    const data = join(dir, 'data-restart');
    const t = target('manual:restart', hosts.busy);
    const accepted = () => (hosts.busy.log().match(/Accepted publickey/g) ?? []).length;
    const before = accepted();
    const first = poller({}, data);
    expect((await first.sweep([t]))[0]!.ok).toBe(true);
    await first.close({ keepMasters: true });
    const second = poller({}, data);
    expect((await second.sweep([t]))[0]!.ok).toBe(true);
    expect(accepted() - before).toBe(1);
    await second.close();
    expect(await second.masterAlive(t)).toBe(false);
  });

  it('without reuse every poll authenticates anew and leaves no master', async () => {
    const p = poller({ reuse: false }, join(dir, 'data-noreuse'));
    const t = target('manual:noreuse', hosts.idle);
    const accepted = () => (hosts.idle.log().match(/Accepted publickey/g) ?? []).length;
    const before = accepted();
    for (let i = 0; i < 2; i++) expect((await p.sweep([t]))[0]!.ok).toBe(true);
    expect(accepted() - before).toBe(2);
    expect(p.controlPathFor(t)).toBeNull();
  });

  it('reads terminal input in the same command: a pseudo-terminal typed into on the host is reported', async () => {
    const pty = await openPseudoTerminal();
    try {
      // This host's terminals: only ours (the sshd sets TERMINALS_DIR for the session, as a host may).
      const pts = join(dir, 'keys-pts');
      mkdirSync(pts, { recursive: true });
      symlinkSync(pty.path, join(pts, pty.path.split('/').pop()!));
      const keys = await host('keys', { gpus: [{ ...IDLE_H100, util: 3 }] }, userKey, { TERMINALS_DIR: pts });
      await pty.age(7200);
      const p = poller();
      const [before] = await p.sweep([target('manual:keys', keys)]);
      const typed = await pty.type();
      const [after, none] = await p.sweep([target('manual:keys', keys), target('manual:idle', hosts.idle)]);
      for (const r of [before, after]) {
        if (!r!.ok) throw new Error(`poll failed: ${r!.code}`);
        expect(r!.gpus[0]).toMatchObject({ util: { max: 3 } }); // the GPU section still parses
        expect(r!.interactive).toMatchObject({ terminals: 'ok', notebooks: 'not-read', notebookBusy: false });
      }
      if (!before!.ok || !after!.ok) throw new Error('unreachable');
      // stat prints whole seconds; the host clock is this one
      expect(Math.abs(before!.interactive!.terminalInputAt! - (typed - 7_200_000))).toBeLessThan(3000);
      expect(Math.abs(after!.interactive!.terminalInputAt! - typed)).toBeLessThan(3000);
      expect(toSshSample(after!).interactive).toEqual(after!.interactive);
      // a host with no terminal: reported as such, no evidence either way
      expect(none!.ok && none!.interactive).toMatchObject({ terminals: 'none', terminalInputAt: null });
    } finally {
      pty.close();
    }
  });

  it('reads [N/A] utilization as unknown, not 0', async () => {
    const statePath = join(dir, 'idle.json');
    writeFakeState(statePath, { mode: 'na', gpus: [IDLE_H100] });
    try {
      const [r] = await poller({}, join(dir, 'data-na')).sweep([target('manual:na', hosts.idle)]);
      expect(r!.ok && r!.gpus[0]).toMatchObject({ util: null, utilUnknown: 1, count: 1 });
    } finally {
      writeFakeState(statePath, { gpus: [{ ...IDLE_H100, util: 3 }] });
    }
  });

  it('reads every engine the host driver lists, in the same single SSH command (2080 SUPER NVENC load, then an older driver)', async () => {
    const statePath = join(dir, 'idle.json');
    const load = loadCaptureSections().find((s) => s.file.includes('2080-super__595') && s.phase === 'load')!;
    try {
      writeFakeState(statePath, { capture: capturePath(load.file), gpus: [fakeGpuOf(load)] });
      const [r] = await poller({}, join(dir, 'data-engines')).sweep([target('manual:nvenc', hosts.idle)]);
      expect(r!.ok && r!.gpus[0]).toMatchObject({
        util: { max: 8 },
        enc: { max: 100 },
        dec: { max: 0 },
        jpeg: { max: 0 },
        ofa: { max: 0 },
        encSessions: { max: 2 },
      });
      // A driver without NVJPG/OFA fields: the script leaves them out (one unknown field would refuse the whole query).
      writeFakeState(statePath, { capture: capturePath(load.file), driverLacks: ['utilization.jpeg', 'utilization.ofa'], gpus: [fakeGpuOf(load)] });
      const [old] = await poller({}, join(dir, 'data-engines-old')).sweep([target('manual:nvenc-old', hosts.idle)]);
      expect(old!.ok && old!.gpus[0]).toMatchObject({ util: { max: 8 }, enc: { max: 100 } });
      expect(old!.ok && old!.gpus[0]).not.toHaveProperty('jpeg');
    } finally {
      writeFakeState(statePath, { gpus: [{ ...IDLE_H100, util: 3 }] });
    }
  });

  it('backs off a failing host, skips it on the next sweep, and retries later', async () => {
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const p = poller({ now: () => clock, backoff: { baseMs: 60_000, maxMs: 600_000 } }, join(dir, 'data-backoff'));
    const bad = target('manual:flaky', hosts.refusing);
    const good = target('manual:steady', hosts.idle);

    let rs = await p.sweep([bad, good]);
    expect(rs.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['auth', 'ok']);

    clock += 30_000; // within the first wait: skipped, and reported as unknown
    rs = await p.sweep([bad, good]);
    expect(rs.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['backoff', 'ok']);
    expect(rs[0]!.durationMs).toBe(0);
    expect(toSshSample(rs[0]!).health.state).toBe('error');

    clock += 31_000; // the wait is over: tried again, fails again, the next wait doubles
    rs = await p.sweep([bad]);
    expect(!rs[0]!.ok && rs[0]!.code).toBe('auth');
    clock += 90_000;
    expect(!(await p.sweep([bad]))[0]!.ok && 'backoff').toBe('backoff');

    // The host starts accepting our key; once the wait is over it is polled and its backoff is cleared.
    appendFileSync(hosts.refusing.authorizedKeysFile, readFileSync(userKey.publicKey, 'utf8'));
    clock += 31_000;
    rs = await p.sweep([bad]);
    expect(rs[0]!.ok).toBe(true);
    clock += 1_000;
    expect((await p.sweep([bad]))[0]!.ok).toBe(true);
  });

  it('refuses a changed host key for the same instance, but takes a new instance on a recycled endpoint', async () => {
    const data = join(dir, 'data-hostkey');
    mkdirSync(data, { recursive: true });
    // known_hosts holds another key for instance vast:7 (a man in the middle, or a reinstalled host).
    writeFileSync(join(data, 'known_hosts'), `${hostKeyAlias('vast:7')} ${readFileSync(otherKey.publicKey, 'utf8')}`);
    const p = poller({ reuse: false }, data);
    const [mitm] = await p.sweep([target('vast:7', hosts.driver)]);
    expect(!mitm!.ok && mitm!.code).toBe('hostkey');
    // Same host:port, another instance (Vast.ai recycles ports): a new host, accepted and remembered.
    const [fresh] = await p.sweep([target('vast:8', hosts.driver)]);
    expect(!fresh!.ok && fresh!.code).toBe('driver'); // reached nvidia-smi: the connection was accepted
    expect(
      readFileSync(join(data, 'known_hosts'), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== ''),
    ).toHaveLength(2);
  });

  it('reports an unsafe endpoint without running ssh', async () => {
    const rs = await poller({}, join(dir, 'data-invalid')).sweep([
      { instanceId: 'vast:1', host: '-oProxyCommand=touch /tmp/pwned', port: 22 },
      { instanceId: 'vast:2', host: '127.0.0.1', port: 70000 },
      { instanceId: 'vast:3', host: '127.0.0.1', port: 22, user: 'root;id' },
    ]);
    expect(rs.map((r) => !r.ok && r.code)).toEqual(['invalid', 'invalid', 'invalid']);
  });
});
