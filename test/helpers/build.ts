// Builds dist/ (SKIP_TYPES=1 node scripts/build.mjs) once for tests that run the real bundles, unless dist is newer
// than every source file. A lock directory keeps parallel test files from building over each other.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'dist/cli.mjs');
export const AGENT = join(ROOT, 'dist/agent.js');
const LOCK = join(ROOT, 'test-artifacts/.build-lock');
const SOURCES = ['agent/src', 'protocol', 'controller/src', 'scripts/build.mjs'];

function newestSource(): number {
  let newest = 0;
  const walk = (p: string) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (!st.isDirectory()) {
      newest = Math.max(newest, st.mtimeMs);
      return;
    }
    for (const e of readdirSync(p, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(p, e.name));
      else if (/\.(ts|tsx|mjs)$/.test(e.name) && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(join(p, e.name)).mtimeMs);
    }
  };
  for (const s of SOURCES) walk(join(ROOT, s));
  return newest;
}

function upToDate(): boolean {
  const src = newestSource();
  return [CLI, AGENT].every((f) => existsSync(f) && statSync(f).mtimeMs >= src);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function ensureBuilt(): void {
  if (upToDate()) return;
  mkdirSync(dirname(LOCK), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Someone else builds; a lock older than 3 minutes is left over from a killed run.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 180_000) rmdirSync(LOCK);
      if (Date.now() > deadline) throw new Error(`build lock ${LOCK} held for too long`);
      sleep(200);
    }
  }
  try {
    if (upToDate()) return;
    try {
      execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, env: { ...process.env, SKIP_TYPES: '1' }, stdio: 'pipe', timeout: 170_000 });
    } catch (err) {
      const e = err as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`npm run build failed:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
    }
  } finally {
    rmdirSync(LOCK);
  }
}
