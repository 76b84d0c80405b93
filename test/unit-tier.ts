// Which tests `npm run test:unit` runs: those that start no process and wait on no real clock, so the tier needs no
// build and takes well under a minute. Membership is read from each file's source at start, so a new test lands in
// the right tier by what it does: one that spawns (or uses a helper that does) or waits on timers is left to `npm test`.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Folders whose tests start processes, servers or browsers by design (and test/soak's long runs): never unit. */
export const SLOW_DIRS: readonly string[] = ['test/e2e', 'test/security', 'test/agent', 'test/soak'];

/**
 * What marks a test as slow: a child process (directly, or through the helpers, fakes and readers that spawn one: the
 * built CLI, sshd, openssl, nginx, chromium, the fake nvidia-smi) or a wait on the real clock (timers, polling).
 */
export const SLOW_MARKERS =
  /node:child_process|\b(spawn|execFile|execFileSync|execSync|fork)\(|spawn-controller|spawn-agent|in-process-controller|startController|fresh-host|install-host|install-server|headless-chromium|nginx-proxy|fake-world\/sshd|helpers\/build|tls-certs|fake-nvidia-smi|FAKE_NVIDIA_SMI|fake-jupyter|vast-rig|webhook-receiver|pseudo-terminal|runCommand|GpuReader|ProcsReader|SupervisedChild|\bset(Timeout|Interval)\(|expect\.poll|\bwaitFor\(|\bsleep\(|\bdelay\(/;

/**
 * Pure but heavy: whole simulations, property runs and size measurements that take 10-30 s each on the 2-core
 * machine. They stay in `npm test`; a new test of that weight is added here by hand.
 */
export const HEAVY: Readonly<Record<string, string>> = {
  'test/sim/fleet.test.ts': 'simulates a fleet',
  'test/traces/workloads.test.ts': 'plays every trace for a week',
  'controller/src/engine/decide.property.test.ts': 'property runs',
  'controller/src/store/sample-size.test.ts': 'measures a day of samples in SQLite',
};

const ROOTS = ['protocol', 'agent', 'controller', 'test'];

function testFiles(root: string, dir: string, out: string[]): void {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') testFiles(root, rel, out);
    } else if (/\.test\.tsx?$/.test(entry.name)) out.push(rel);
  }
}

/** The unit tier's files, relative to `root`, and why each other test is not in it. */
export function unitTier(root: string): { unit: string[]; slow: { file: string; why: string }[] } {
  const all: string[] = [];
  for (const r of ROOTS) testFiles(root, r, all);
  const unit: string[] = [];
  const slow: { file: string; why: string }[] = [];
  for (const file of all.sort()) {
    const posix = relative(root, join(root, file)).split('\\').join('/');
    const dir = SLOW_DIRS.find((d) => posix.startsWith(d + '/'));
    const marker = dir === undefined ? SLOW_MARKERS.exec(readFileSync(join(root, file), 'utf8'))?.[0] : undefined;
    if (dir !== undefined) slow.push({ file: posix, why: `in ${dir}` });
    else if (HEAVY[posix] !== undefined) slow.push({ file: posix, why: HEAVY[posix] });
    else if (marker !== undefined) slow.push({ file: posix, why: marker });
    else unit.push(posix);
  }
  return { unit, slow };
}
