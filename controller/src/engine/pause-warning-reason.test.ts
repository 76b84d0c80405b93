// The first pause warning of an idle spell, in the demo's timings (a warning lead longer than the window, samples that
// reach the store while a cycle runs): it names since when the GPU has been idle, never "idle since n/a", and it goes
// out once per spell.
import { describe, expect, it } from 'vitest';
import { decideOne } from './decide';
import type { IdleState } from './idle-state';
import { observeInventory } from './observe-inventory';
import { engineConfig, engineInstance, feed, sample, T0 } from '../../../test/support/engine-test-kit';
import type { Decision, EngineInstance } from './types';

// The demo: a 30 s window, 10 s gaps, 5 samples, PAUSE_WARNING_MINUTES at its default of 5 (longer than the window).
const cfg = engineConfig({ pauseWindowMinutes: 0.5, maxGapSeconds: 10, minSamples: 5, minInstanceAgeHours: 0, pauseWarningMinutes: 5 });
const BURST_END = T0 + 60_400;

/** Seen running at T0; 1 s agent samples, idle but for a burst of 5 s that ends at BURST_END; everything up to `to`. */
function bursty(to: number): IdleState {
  const st = observeInventory(null, { state: 'running' }, T0, cfg);
  const samples = [];
  for (let t = T0 + 400; t + 1000 <= to; t += 1000) samples.push(sample(t, t + 1000, t >= BURST_END - 5000 && t < BURST_END ? 75 : 1));
  return feed(st, samples, cfg);
}

describe('the first pause warning of an idle spell', () => {
  it('never says "idle since n/a", names no time after the decision, and goes out once for the spell', () => {
    // Cycles every 5 s from 00:01:00; the batch ending the burst (busy to 00:01:00.400, idle to 00:01:01.400) is
    // stored while the cycle that read its clock at 00:01:00.000 runs, as in the demo.
    let inst: EngineInstance = engineInstance();
    const warnings: Decision[] = [];
    for (let now = T0 + 60_000; now <= T0 + 80_000; now += 5000) {
      const d = decideOne(inst, bursty(now === T0 + 60_000 ? now + 1400 : now), cfg, now);
      if (d.kind !== 'warn-pause') continue;
      warnings.push(d);
      inst = engineInstance({ pauseWarnedAt: now });
    }
    for (const w of warnings) {
      expect(w.reason).not.toContain('n/a');
      const since = /^idle since (\S+):/.exec(w.reason)?.[1];
      expect(since, w.reason).toBe(new Date(BURST_END).toISOString());
      expect(Date.parse(since!), w.reason).toBeLessThanOrEqual(w.figures.now);
    }
    expect(warnings.map((w) => w.reason)).toHaveLength(1);
    expect(warnings[0]!.figures.idleSince).toBe(BURST_END);
    expect(warnings[0]!.figures.pauseWarnEpisode).toBe(BURST_END);
  });
});
