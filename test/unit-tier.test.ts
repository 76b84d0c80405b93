// The unit tier's membership (test/unit-tier.ts): decided by what each test does, every test in exactly one tier.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SLOW_MARKERS, unitTier } from './unit-tier';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('the unit tier', () => {
  const { unit, slow } = unitTier(root);

  it('holds pure tests and leaves out those that spawn or wait', () => {
    expect(unit).toContain('controller/src/optimizer/library-config.test.ts');
    expect(unit).toContain('controller/src/engine/decide.test.ts');
    expect(unit).toContain('test/unit-tier.test.ts');
    const why = (f: string) => slow.find((s) => s.file === f)?.why;
    expect(why('agent/src/nvidia-smi/spawn-problem.test.ts')).toBeDefined();
    expect(why('controller/src/ssh/missing-nvidia-smi.test.ts')).toBeDefined();
    expect(why('test/metrics/metrics-exposition.test.ts')).toBeDefined();
    expect(why('test/e2e/cli-settings-file.test.ts')).toBe('in test/e2e');
  });

  it('puts every test in exactly one tier', () => {
    const files = [...unit, ...slow.map((s) => s.file)];
    expect(new Set(files).size).toBe(files.length);
    expect(unit.length).toBeGreaterThan(50);
  });

  it('knows a spawn and a timer when it sees one', () => {
    // Spelled in pieces: this file would otherwise mark itself slow.
    expect(SLOW_MARKERS.test(`import { spawn } from 'node:${'child'}_process';`)).toBe(true);
    expect(SLOW_MARKERS.test(`await new Promise((r) => set${'Timeout'}(r, 10));`)).toBe(true);
    expect(SLOW_MARKERS.test("import { decide } from './decide';")).toBe(false);
  });
});
