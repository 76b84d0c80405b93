// The fake nvidia-smi prints what the real one prints for our query, and changes with its state file at run time.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLine, parseOutput } from '../../protocol/nvidia-smi/parse';
import { QUERY_ARGS, loopArgs } from '../../protocol/nvidia-smi/query';
import { capturePath, captureFiles, helpQueryGpu, loadCaptureSections } from '../fixtures/captures';
import { BUSY_H100, FAKE_NVIDIA_SMI, IDLE_H100, countFakeSpawns, writeFakeState } from '../../controller/src/fake-world/fake-nvidia-smi';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'fake-smi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function once(state: object | null, args: readonly string[] = QUERY_ARGS) {
  const statePath = join(dir, `s-${Math.random()}.json`);
  if (state) writeFakeState(statePath, state);
  return run(FAKE_NVIDIA_SMI, [...args], { env: { ...process.env, FAKE_NVIDIA_SMI_STATE: statePath } }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
}

describe('fake nvidia-smi', () => {
  it('prints exactly the real capture lines for the same values', async () => {
    const captured = loadCaptureSections().find((s) => s.file.includes('h100-80gb') && s.phase === 'load')!;
    const r = await once({ gpus: [BUSY_H100] });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(captured.line + '\n');
    const idle = loadCaptureSections().find((s) => s.file.includes('h100-80gb') && s.phase === 'idle')!;
    expect((await once(null)).stdout).toBe(idle.line + '\n');
  });

  it('prints one line per GPU that the parser reads, and [N/A] in mode na', async () => {
    const r = await once({ mode: 'na', gpus: [IDLE_H100, BUSY_H100] });
    const parsed = parseOutput(r.stdout);
    expect(parsed.errors).toEqual([]);
    expect(parsed.readings.map((x) => [x.index, x.util, x.memUsedMiB])).toEqual([
      [0, null, 0],
      [1, null, 19818],
    ]);
  });

  it('fails like a driver-less host: the real message and exit 9', async () => {
    const r = await once({ mode: 'driver-fail' });
    expect(r.code).toBe(9);
    expect(parseLine(r.stdout.trim())).toMatchObject({ kind: 'error', code: 'driver' });
  });

  it('rejects unknown fields and missing --format like the real CLI (exit 2)', async () => {
    expect((await once(null, ['--query-gpu=index,bogus', '--format=csv'])).code).toBe(2);
    expect((await once(null, ['--query-gpu=index'])).code).toBe(2);
  });

  it("answers --help-query-gpu with the capture's driver, and refuses a field that driver does not list", async () => {
    for (const file of captureFiles()) {
      const r = await once({ capture: capturePath(file) }, ['--help-query-gpu']);
      expect(r.code).toBe(0);
      expect(r.stdout.trimEnd()).toBe(helpQueryGpu(file).trimEnd());
    }
    const load = loadCaptureSections().find((s) => s.file.includes('2080-super__595') && s.phase === 'load')!;
    const wide = ['--query-gpu=' + load.fields.join(','), '--format=csv,noheader,nounits'];
    expect(await once({ capture: capturePath(load.file), gpus: [{ ...IDLE_H100, util: 8, enc: 100, encSessions: 2 }] }, wide)).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(', 8, '),
    });
    const old = await once({ capture: capturePath(load.file), driverLacks: ['utilization.ofa'] }, wide);
    expect(old.code).toBe(2);
    expect(old.stdout).toContain('Field "utilization.ofa" is not a valid field to query.');
    expect((await once({ capture: capturePath(load.file), driverLacks: ['utilization.ofa'] }, ['--help-query-gpu'])).stdout).not.toContain('"utilization.ofa"');
  });

  it('lists compute processes', async () => {
    const r = await once({ procs: 3 }, ['--query-compute-apps=pid', '--format=csv,noheader']);
    expect(r.stdout.trim().split('\n')).toEqual(['10000', '10001', '10002']);
    expect((await once({ procs: 0 }, ['--query-compute-apps=pid', '--format=csv,noheader'])).stdout).toBe('');
  });

  it('loops with -lms, follows state changes and logs its start', async () => {
    const statePath = join(dir, 'loop.json');
    const spawnLog = join(dir, 'spawns.log');
    writeFakeState(statePath, { gpus: [IDLE_H100] });
    const child = spawn(FAKE_NVIDIA_SMI, loopArgs(50), {
      env: { ...process.env, FAKE_NVIDIA_SMI_STATE: statePath, FAKE_NVIDIA_SMI_SPAWN_LOG: spawnLog },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    await expect.poll(() => out.split('\n').length, { timeout: 10_000 }).toBeGreaterThan(3);
    writeFakeState(statePath, { gpus: [BUSY_H100] });
    await expect.poll(() => out.includes(', 100, 19818,'), { timeout: 10_000 }).toBe(true);
    writeFakeState(statePath, { mode: 'exit', exitCode: 3 });
    expect(await exited).toBe(3);
    expect(countFakeSpawns(spawnLog)).toBe(1);
  });
});
