// End to end: the BUILT dist/agent.js as a real process, with the fake nvidia-smi, against a real ws server.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchSchema } from '../../protocol';
import { FakeAgentController } from '../fakes/fake-agent-controller';
import { agentNodeFlags } from '../helpers/agent-node-flags';
import { BUSY_H100, FAKE_NVIDIA_SMI, IDLE_H100, countFakeSpawns, writeFakeState } from '../../controller/src/fake-world/fake-nvidia-smi';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const AGENT = join(ROOT, 'dist/agent.js');
const TOKEN = 'e2e-Token-5f2b9c1d7a';

/** Newest modification time under the folders the bundle is built from. */
function newestSource(): number {
  let newest = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ['agent/src', 'protocol', 'controller/src/log.ts', 'controller/src/domain/errors.ts']) {
    const p = join(ROOT, d);
    if (!existsSync(p)) continue;
    if (statSync(p).isDirectory()) walk(p);
    else newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const dir = mkdtempSync(join(tmpdir(), 'agent-e2e-'));
const statePath = join(dir, 'gpu.json');
const spawnLog = join(dir, 'spawns.log');
let controller: FakeAgentController;
let agent: ChildProcess | null = null;
let output = '';

beforeAll(() => {
  if (!existsSync(AGENT) || statSync(AGENT).mtimeMs < newestSource()) {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, env: { ...process.env, SKIP_TYPES: '1' }, stdio: 'pipe' });
  }
});

afterAll(async () => {
  agent?.kill('SIGKILL');
  await controller?.close();
  rmSync(dir, { recursive: true, force: true });
});

function startAgent(extraEnv: Record<string, string>, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [AGENT, ...args], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      AGENT_TOKEN: TOKEN,
      NVIDIA_SMI: FAKE_NVIDIA_SMI,
      SAMPLE_INTERVAL_MS: '100',
      REPORT_INTERVAL_MS: '500',
      INSTANCE_ID: 'manual:e2e-box',
      CHECKPOINT_CMD: 'echo checkpoint-written',
      FAKE_NVIDIA_SMI_STATE: statePath,
      FAKE_NVIDIA_SMI_SPAWN_LOG: spawnLog,
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return child;
}

function runOnce(env: Record<string, string>, args: string[]): { code: number; out: string } {
  try {
    const out = execFileSync(process.execPath, [AGENT, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'pipe' });
    return { code: 0, out: out.toString() };
  } catch (e) {
    const err = e as { status: number; stdout: Buffer; stderr: Buffer };
    return { code: err.status, out: err.stdout.toString() + err.stderr.toString() };
  }
}

describe('dist/agent.js', () => {
  it('prints help, and refuses a bad setting with one line naming it (exit 2)', () => {
    expect(runOnce({}, ['--help'])).toMatchObject({ code: 0 });
    expect(runOnce({}, ['--help']).out).toContain('AGENT_TOKEN');
    const bad = runOnce({ CONTROLLER_URL: 'ws://127.0.0.1:1', AGENT_TOKEN: 'x', REPORT_INTERVAL_MS: 'ten' }, []);
    expect(bad.code).toBe(2);
    expect(bad.out.trim().split('\n')).toHaveLength(1);
    expect(bad.out).toContain('REPORT_INTERVAL_MS');
    expect(runOnce({ AGENT_TOKEN: 'x' }, []).out).toContain('CONTROLLER_URL');
  });

  it("starts under install.sh's node flags without a word on stderr", () => {
    const r = spawnSync(process.execPath, [...agentNodeFlags(), AGENT, '--help'], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: node agent.js');
    expect(r.stderr).toBe('');
  });

  it('streams, survives nvidia-smi failure and a dropped link, answers prepare-pause, and stops cleanly', async () => {
    writeFakeState(statePath, { gpus: [IDLE_H100, BUSY_H100], procs: 2 });
    controller = await FakeAgentController.start({ token: TOKEN });
    agent = startAgent({}, ['--controller', controller.url.replace(/\/agent$/, '')]);
    const exited = new Promise<number | null>((r) => agent!.on('exit', (code) => r(code)));

    // hello first, with the GPUs, then batches 1, 2, 3... with both GPUs.
    await expect.poll(() => controller.of('batch').length, { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
    expect(controller.headers[0]!.authorization).toBe(`Bearer ${TOKEN}`);
    const hello = controller.of('hello')[0]!.msg;
    expect(controller.frames[0]!.msg.type).toBe('hello');
    expect(hello.gpus.map((g) => g.name)).toEqual([IDLE_H100.name, BUSY_H100.name]);
    expect(hello.identity).toEqual({ provider: 'manual', providerId: 'e2e-box', source: 'override' });
    expect(hello).toMatchObject({ sampleIntervalMs: 100, reportIntervalMs: 500, checkpointConfigured: true });
    // A full interval: both GPUs with several readings each (the first ones may be partial on a busy machine).
    const full = () => controller.of('batch').find((f) => f.msg.gpus.length === 2 && f.msg.gpus.every((g) => g.count >= 2))?.msg;
    await expect.poll(() => full() !== undefined, { timeout: 30_000 }).toBe(true);
    const steady = full()!;
    expect(steady.health).toEqual({ state: 'ok' });
    expect(steady.gpus.map((g) => g.util?.max)).toEqual([0, 100]);
    const batches = controller.of('batch').map((f) => f.msg);
    expect(batches.map((b) => b.seq).slice(0, 4)).toEqual([1, 2, 3, 4]);
    await expect.poll(() => controller.of('batch').some((f) => f.msg.procs === 2), { timeout: 30_000 }).toBe(true);
    for (let i = 1; i < batches.length; i++) expect(batches[i]!.t0).toBe(batches[i - 1]!.t1);
    // One long-lived child per query, not one per reading.
    expect(countFakeSpawns(spawnLog)).toBe(3); // the field list once, then the query and the process-count loops

    // The token is in no argv and no child environment; never in the logs.
    expect(readFileSync(`/proc/${agent.pid}/cmdline`, 'utf8')).not.toContain(TOKEN);
    for (const line of readFileSync(spawnLog, 'utf8').trim().split('\n')) {
      expect(line).not.toContain(TOKEN);
      const pid = line.split(' ')[0];
      if (existsSync(`/proc/${pid}/environ`)) expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).not.toContain(TOKEN);
    }

    // nvidia-smi loses the driver: the agent keeps reporting, blind, and says why.
    writeFakeState(statePath, { mode: 'driver-fail' });
    await expect
      .poll(() => controller.of('batch').some((f) => f.msg.health.state === 'error' && f.msg.health.code === 'driver'), { timeout: 30_000 })
      .toBe(true);
    const blind = controller.of('batch').find((f) => f.msg.health.state === 'error')!.msg;
    expect(blind.procs).toBeNull();
    writeFakeState(statePath, { gpus: [IDLE_H100] });
    await expect.poll(() => controller.of('batch').at(-1)?.msg.health.state, { timeout: 30_000 }).toBe('ok');
    await expect.poll(() => controller.of('batch').at(-1)?.msg.gpus.length, { timeout: 30_000 }).toBe(1);

    // The link drops: the agent comes back and every sequence number reaches the controller.
    const before = controller.of('batch').at(-1)!.msg.seq;
    controller.dropAll();
    await expect.poll(() => controller.connectionCount, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => controller.of('batch').filter((f) => f.conn === 2).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    const seen = new Set(controller.of('batch').map((f) => f.msg.seq));
    const max = Math.max(...seen);
    expect(max).toBeGreaterThan(before);
    for (let s = 1; s <= max; s++) expect(seen.has(s)).toBe(true);

    // prepare-pause runs the agent's own CHECKPOINT_CMD.
    controller.send({ v: 1, type: 'prepare-pause', requestId: 'pp-1', timeoutMs: 10_000 });
    await expect.poll(() => controller.of('prepare-pause-result').length, { timeout: 30_000 }).toBe(1);
    expect(controller.of('prepare-pause-result')[0]!.msg).toMatchObject({ requestId: 'pp-1', outcome: 'ok', exitCode: 0 });
    expect(controller.of('prepare-pause-result')[0]!.msg.output).toContain('checkpoint-written');

    // SIGTERM: a last partial batch, close 1000, exit 0.
    const lastBefore = controller.of('batch').at(-1)!.msg.seq;
    agent.kill('SIGTERM');
    expect(await exited).toBe(0);
    agent = null;
    expect(controller.of('batch').at(-1)!.msg.seq).toBeGreaterThan(lastBefore);
    await expect.poll(() => controller.closes.at(-1)?.code, { timeout: 10_000 }).toBe(1000);

    for (const f of controller.of('batch')) expect(BatchSchema.safeParse(f.msg).success).toBe(true);
    expect(controller.invalid).toEqual([]);
    expect(output).not.toContain(TOKEN);
    expect(output).toContain('connected to the controller as manual:test');
  }, 180_000);
});
