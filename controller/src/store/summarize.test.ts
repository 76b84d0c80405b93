// SampleSummary rules: one busy GPU makes the sample busy; any unknown reading, error or missing GPU makes it unknown.
import { describe, expect, it } from 'vitest';
import { gpuStats, gpus, OK } from '../../../test/helpers/gpu-stats';
import { prepareSample, summarizeStored } from './summarize';

const summarize = (g: ReturnType<typeof gpus>, health = OK) => {
  const p = prepareSample('agent', g, health);
  return summarizeStored(1_000_000, 10_000, p.flags, p.count, 2, p.gpus, p.memTotalMiB);
};

describe('summarize', () => {
  it('takes the busiest GPU as utilMax and the mean of GPU means', () => {
    const s = summarize(gpus(4, [0, 0, 0, 80]));
    expect(s.utilMax).toBe(83);
    expect(s.utilMean).toBe(20);
    expect(s.unknown).toBe(false);
    expect(s.count).toBe(40);
    expect(s.t0).toBe(990_000);
    expect(s.source).toBe('agent');
    expect(s.memTotalMiB).toBe(4 * 81_559);
  });

  it('is unknown when one GPU has an unknown reading', () => {
    expect(summarize([gpuStats(0, 0), gpuStats(1, 0, { unknown: 1 })]).unknown).toBe(true);
  });

  it('is unknown with null utilMax when no GPU reading was known (MIG)', () => {
    const s = summarize(gpus(2, null));
    expect(s.unknown).toBe(true);
    expect(s.utilMax).toBeNull();
    expect(s.utilMean).toBeNull();
  });

  it('is unknown when no GPU was seen or the agent reports an error', () => {
    expect(summarize([]).unknown).toBe(true);
    expect(summarize(gpus(1, 0), { state: 'error', code: 'driver', message: 'x' }).unknown).toBe(true);
  });

  it('is known and idle-looking only when every GPU reading was known', () => {
    const s = summarize(gpus(8, 0));
    expect(s.unknown).toBe(false);
    expect(s.utilMax).toBe(3);
  });
});
