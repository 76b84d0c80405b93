// The SSH fallback's remote script on a host without a usable nvidia-smi, run by a real sh with a PATH built in a temp
// dir: "not found on PATH (...)" and "not executable by uid N" come back as different messages, both `missing`.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../test/helpers/temp-dir';
import { classify } from './classify';
import { runCommand } from './run-remote';
import { REMOTE_COMMAND } from './ssh-args';

const dir = makeTempDir('co-ssh-missing-');
afterAll(() => dir.cleanup());
const uid = process.getuid!();

/** A folder holding only the tools the script needs besides nvidia-smi (so the machine's own nvidia-smi is never seen). */
function tools(): string {
  const bin = join(dir.path, 'tools');
  mkdirSync(bin, { recursive: true });
  for (const t of ['grep', 'id', 'date', 'stat'])
    for (const from of [`/usr/bin/${t}`, `/bin/${t}`])
      try {
        symlinkSync(from, join(bin, t));
        break;
      } catch {
        // not at this path (or linked already)
      }
  return bin;
}

/** The command ssh would run remotely (`sh -c '<script>'`), run here by sh with this PATH. */
async function remote(path: string) {
  const script = REMOTE_COMMAND[2]!.slice(1, -1);
  const run = await runCommand('/bin/sh', ['-c', script], { timeoutMs: 20_000, env: { PATH: path } });
  return { run, result: classify(run, 20_000) };
}

describe('the SSH fallback on a host without a usable nvidia-smi', () => {
  it('says "nvidia-smi not found on PATH (...)"', async () => {
    const empty = join(dir.path, 'empty');
    mkdirSync(empty, { recursive: true });
    const path = `${empty}:${tools()}`;
    const { run, result } = await remote(path);
    expect(run.exitCode).toBe(127);
    expect(result).toEqual({ ok: false, code: 'missing', message: `nvidia-smi not found on PATH (${path})` });
  });

  it('says "nvidia-smi at X is not executable by uid N"', async () => {
    const noexec = join(dir.path, 'noexec');
    mkdirSync(noexec, { recursive: true });
    writeFileSync(join(noexec, 'nvidia-smi'), '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const { run, result } = await remote(`${tools()}:${noexec}`);
    expect(run.exitCode).toBe(126);
    expect(result).toEqual({ ok: false, code: 'missing', message: `nvidia-smi at ${join(noexec, 'nvidia-smi')} is not executable by uid ${uid}` });
  });
});
