// The BUILT agent as a real process whose wall clock is stepped back 30 min and then forward 2 h while it runs
// (libfaketime in LD_PRELOAD, reading the offset from a file: Date.now() moves, the monotonic clock and timers do
// not, as on a host whose clock NTP or an operator steps). Batches must keep coming on time, each as long as the
// time it really covered, back to back, with the same offset between sentAt and arrival as before the steps.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchSchema } from '../../protocol';
import { FakeAgentController } from '../fakes/fake-agent-controller';
import { FAKE_NVIDIA_SMI, IDLE_H100, writeFakeState } from '../../controller/src/fake-world/fake-nvidia-smi';
import { AGENT, ensureBuilt } from '../helpers/build';

/** Debian's libfaketime (apt-get install libfaketime; .ci/run installs it): the thread-safe variant, node is threaded. */
const FAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';
const REPORT_MS = 400;
const TOKEN = 'clock-step-Token-1';

const dir = mkdtempSync(join(tmpdir(), 'agent-clock-'));
const offsetFile = join(dir, 'faketime');
let controller: FakeAgentController;
let agent: ChildProcess | null = null;
let output = '';

beforeAll(async () => {
  if (!existsSync(FAKETIME)) throw new Error(`${FAKETIME} is missing: apt-get install libfaketime (.ci/run does)`);
  ensureBuilt();
  controller = await FakeAgentController.start({ token: TOKEN, reportIntervalMs: REPORT_MS });
});

afterAll(async () => {
  agent?.kill('SIGKILL');
  await controller?.close();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function batchesAfter(count: number, from: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (controller.of('batch').length < from + count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} more batches; agent output:\n${output}`);
    await sleep(50);
  }
}

describe('agent under wall-clock steps', () => {
  it('keeps reporting intervals of their true length, on time, through a step back of 30 min and forward of 2 h', async () => {
    writeFileSync(offsetFile, '+0\n');
    const statePath = join(dir, 'gpu.json');
    writeFakeState(statePath, { gpus: [IDLE_H100, IDLE_H100] });
    agent = spawn(process.execPath, [AGENT], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        CONTROLLER_URL: controller.url,
        AGENT_TOKEN: TOKEN,
        INSTANCE_ID: 'manual:clock-box',
        NVIDIA_SMI: FAKE_NVIDIA_SMI,
        FAKE_NVIDIA_SMI_STATE: statePath,
        SAMPLE_INTERVAL_MS: '100',
        REPORT_INTERVAL_MS: String(REPORT_MS),
        LD_PRELOAD: FAKETIME,
        FAKETIME_TIMESTAMP_FILE: offsetFile,
        FAKETIME_NO_CACHE: '1',
        FAKETIME_DONT_FAKE_MONOTONIC: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    agent.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    agent.stderr!.on('data', (d: Buffer) => (output += d.toString()));

    await batchesAfter(4, 0);
    const beforeStep = controller.of('batch').length;
    writeFileSync(offsetFile, '-1800\n');
    await batchesAfter(5, beforeStep);
    const afterBack = controller.of('batch').length;
    writeFileSync(offsetFile, '+7200\n');
    await batchesAfter(5, afterBack);
    agent.kill('SIGTERM');

    const frames = controller.of('batch');
    for (const f of frames) expect(BatchSchema.safeParse(f.msg).success).toBe(true);
    // Back to back, each as long as the report interval (with room for a loaded machine's late timers), never zero
    // and never the step's 30 min or 2 h.
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.msg.t0).toBe(frames[i - 1]!.msg.t1);
    for (const f of frames.slice(1)) {
      expect(f.msg.t1 - f.msg.t0).toBeGreaterThanOrEqual(REPORT_MS - 50);
      expect(f.msg.t1 - f.msg.t0).toBeLessThan(REPORT_MS + 5_000);
    }
    // Readings every 100 ms: an interval holds about four of them, and they go on flowing after each step. On a loaded
    // machine (four test files at a time on two cores) the reader can miss one whole interval now and then: at most two.
    const readings = (f: (typeof frames)[number]) => f.msg.gpus[0]?.count ?? 0;
    expect(frames.slice(1).filter((f) => readings(f) === 0).length).toBeLessThanOrEqual(2);
    expect(frames.slice(beforeStep, afterBack).some((f) => readings(f) > 0)).toBe(true);
    expect(frames.slice(afterBack).some((f) => readings(f) > 0)).toBe(true);
    // What the controller's skew correction relies on: arrival - sentAt stays what it was before the steps.
    const offsets = frames.map((f) => f.at - f.msg.sentAt);
    const first = offsets[0]!;
    for (const o of offsets) expect(Math.abs(o - first)).toBeLessThan(10_000);
    expect(frames.length).toBeGreaterThanOrEqual(14);
  });

  it("(control) the same environment really steps a node process's Date.now() and leaves its monotonic clock alone", () => {
    writeFileSync(offsetFile, '-1800\n');
    const out = execFileSync(process.execPath, ['-e', 'console.log(JSON.stringify([Date.now(), performance.timeOrigin + performance.now()]))'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        LD_PRELOAD: FAKETIME,
        FAKETIME_TIMESTAMP_FILE: offsetFile,
        FAKETIME_NO_CACHE: '1',
        FAKETIME_DONT_FAKE_MONOTONIC: '1',
      },
    });
    const [wall] = JSON.parse(out.toString()) as [number, number];
    expect(Date.now() - wall).toBeGreaterThan(1_790_000);
    expect(Date.now() - wall).toBeLessThan(1_810_000);
  });
});
