import { describe, expect, it } from 'vitest';
import { ALL_TRACES, interactiveDebugging, jupyterSession } from './workloads';

describe('trace library', () => {
  it.each(ALL_TRACES.map((f) => [f().name, f] as const))('%s is deterministic and well-formed', (_n, make) => {
    const a = make();
    const b = make();
    for (const t of [0, 1, 3599, 18_000, 86_399, 300_000, a.durationSec - 1]) {
      const p = a.at(t);
      expect(b.at(t)).toEqual(p);
      if (p.util !== null) expect(p.util).toBeGreaterThanOrEqual(0);
      if (p.util !== null) expect(p.util).toBeLessThanOrEqual(100);
    }
  });

  it('labels match the ground truth: traces that may never be paused are busy for every sampled second', () => {
    for (const make of ALL_TRACES) {
      const tr = make();
      if (tr.mayPause) continue;
      for (let t = 0; t < tr.durationSec; t += 97) expect(tr.at(t).busy).toBe(true);
    }
  });

  it('the MIG trace never reports a utilization, the forgotten one never exceeds 2 %', () => {
    const mig = ALL_TRACES[6]!();
    const forgotten = ALL_TRACES[4]!();
    for (let t = 0; t < 86_400; t += 31) {
      expect(mig.at(t).util).toBeNull();
      expect(forgotten.at(t).util).toBeLessThanOrEqual(2);
    }
  });

  it('the data-loader dips stay shorter than a 30-minute window', () => {
    const tr = ALL_TRACES[1]!();
    let run = 0;
    let longest = 0;
    for (let t = 0; t < 86_400; t++) {
      run = (tr.at(t).util ?? 100) < 10 ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    expect(longest).toBeGreaterThan(30);
    expect(longest).toBeLessThan(1800);
  });

  it('people at the keyboard: input within every 30 min of a session, none for hours overnight (sampled every 7 s over 3 days)', () => {
    for (const make of [interactiveDebugging, jupyterSession]) {
      const tr = make();
      let prev: number | null = null;
      for (let t = 0; t < 3 * 86_400; t += 7) {
        const k = tr.interactive!(t);
        expect(k.lastInputSec === null || k.lastInputSec <= t).toBe(true);
        if (prev !== null && k.lastInputSec !== null) expect(k.lastInputSec).toBeGreaterThanOrEqual(prev); // never goes back
        prev = k.lastInputSec ?? prev;
        const p = tr.at(t);
        if (p.busy) {
          // during a session (after its first few minutes) the last input is under 25 min old: the window keeps it
          const sessionAge = (t % 86_400) - (tr.name === 'jupyter-session' ? 13 : 10) * 3600;
          if (sessionAge > 1200) expect(t - k.lastInputSec!).toBeLessThan(1500);
        } else if (t % 86_400 >= 3600 * (tr.name === 'jupyter-session' ? 20 : 15) || (t % 86_400 < 9 * 3600 && t > 86_400)) {
          expect(t - (k.lastInputSec ?? -1e9)).toBeGreaterThan(2 * 3600); // overnight: hours since the last input
        }
        if (k.kernelBusy) expect(tr.name === 'jupyter-session' && k.lastInputSec === t).toBe(true); // a running cell is activity now
      }
    }
  });
});
