// Host activity and inhibitions in the sample rule: at or above a threshold is busy, 0 turns a figure off, an unknown
// figure is no evidence, an inhibition counts only while in force; and the words explain uses.
import { describe, expect, it } from 'vitest';
import type { SampleSummary } from '../domain/sample';
import { classifySample } from './classify-sample';
import { describeHostEvidence, hostBusy, hostThresholds } from './host-busy';

const T = 1_800_000_000_000;
const idle = (extra: Partial<SampleSummary> = {}): SampleSummary => ({
  t0: T - 10_000,
  t1: T,
  source: 'agent',
  utilMax: 1,
  utilMean: 1,
  unknown: false,
  count: 10,
  memUsedMiB: null,
  memTotalMiB: null,
  procs: 0,
  ...extra,
});
const th = hostThresholds({ netBusyMBs: 1, diskBusyMBs: 10, cpuBusyPercent: 20 });
const cls = (s: SampleSummary, t = th) => classifySample(s, 10, 60_000, t);

describe('host activity in the sample rule', () => {
  it('is busy at or above each threshold, idle below', () => {
    expect(cls(idle({ host: { netMBs: 1, diskMBs: null, cpuPct: null } }))).toBe('busy');
    expect(cls(idle({ host: { netMBs: 0.05, diskMBs: 9.9, cpuPct: 19.9 } }))).toBe('idle');
    expect(cls(idle({ host: { netMBs: 0, diskMBs: 10, cpuPct: 0 } }))).toBe('busy');
    expect(cls(idle({ host: { netMBs: 0, diskMBs: 0, cpuPct: 20 } }))).toBe('busy');
  });

  it('turns a figure off at 0 and takes an unknown figure as no evidence', () => {
    const off = hostThresholds({ netBusyMBs: 0, diskBusyMBs: 10, cpuBusyPercent: 20 });
    expect(cls(idle({ host: { netMBs: 500, diskMBs: 0, cpuPct: 0 } }), off)).toBe('idle');
    expect(cls(idle({ host: { netMBs: null, diskMBs: null, cpuPct: null } }))).toBe('idle');
    expect(cls(idle({ unknown: true, host: { netMBs: null, diskMBs: null, cpuPct: null } }))).toBe('unknown');
    // Busy host next to an unknown GPU: busy, as a busy engine is.
    expect(cls(idle({ unknown: true, utilMax: null, host: { netMBs: 60, diskMBs: null, cpuPct: null } }))).toBe('busy');
  });

  it('counts an inhibition in force at the end of the interval, and names it', () => {
    const inhibit = { why: 'dataset download', pid: 4242, since: T - 12 * 60_000, until: T + 60_000, count: 1 };
    expect(cls(idle({ inhibit }))).toBe('busy');
    expect(describeHostEvidence(hostBusy(idle({ inhibit }), th)!)).toBe("inhibited by 'dataset download' (pid 4242, for 12 min)");
    expect(cls(idle({ inhibit: { ...inhibit, until: T } }))).toBe('idle');
    expect(describeHostEvidence(hostBusy(idle({ host: { netMBs: 61.5, diskMBs: 0, cpuPct: 0 } }), th)!)).toBe('network 62 MB/s (busy at 1 MB/s)');
  });
});
