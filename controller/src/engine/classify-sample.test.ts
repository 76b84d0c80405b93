// One sample against the threshold: busy at or above it on any GPU, unknown when a figure is missing, idle below it.
import { describe, expect, it } from 'vitest';
import { busyEvidence, classifySample, describeEvidence } from './classify-sample';
import { sample } from '../../../test/support/engine-test-kit';

const GAP = 180_000;

describe('classifySample', () => {
  it.each([
    [10, 9.9, 'idle'],
    [10, 10, 'busy'],
    [10, 55, 'busy'],
    // PAUSE_THRESHOLD_GPU=0: no reading is below 0 %, so even a 0 % sample is busy and nothing is ever paused.
    [0, 0, 'busy'],
    [10, null, 'unknown'],
  ] as const)('threshold %s %%, reading %s %% -> %s', (threshold, util, expected) => {
    expect(classifySample(sample(0, 10_000, util), threshold, GAP)).toBe(expected);
  });

  const peak = (max: number, gpu = 0) => ({ max, mean: max, gpu });

  it('is busy when any engine is at or above the threshold, or an encoder session is open', () => {
    const s = (engines: object) => sample(0, 10_000, 8, { engines });
    expect(classifySample(s({ enc: peak(64, 1) }), 10, GAP)).toBe('busy');
    expect(classifySample(s({ dec: peak(10) }), 10, GAP)).toBe('busy');
    expect(classifySample(s({ jpeg: peak(30) }), 10, GAP)).toBe('busy');
    expect(classifySample(s({ ofa: peak(99) }), 10, GAP)).toBe('busy');
    expect(classifySample(s({ enc: peak(0), encSessions: peak(1) }), 10, GAP)).toBe('busy');
    expect(classifySample(s({ enc: peak(9.9), dec: peak(0), jpeg: peak(0), ofa: peak(0), encSessions: peak(0) }), 10, GAP)).toBe('idle');
    expect(describeEvidence(busyEvidence(s({ enc: peak(64, 1) }), 10)!)).toBe('encoder 64 % on GPU 1');
    expect(describeEvidence(busyEvidence(s({ encSessions: peak(2, 3) }), 10)!)).toBe('encoder sessions 2 on GPU 3');
  });

  it('never turns an unknown SM reading into idle, whatever the other engines say', () => {
    expect(classifySample(sample(0, 10_000, null, { engines: { enc: peak(0), dec: peak(0) } }), 10, GAP)).toBe('unknown');
    // ...but a busy engine next to an unknown SM is still busy (as a busy reading next to unknown ones).
    expect(classifySample(sample(0, 10_000, null, { engines: { dec: peak(80) } }), 10, GAP)).toBe('busy');
  });

  it('ignores odd engine figures (never idle evidence, never busy evidence)', () => {
    expect(classifySample(sample(0, 10_000, 2, { engines: { enc: { max: Number.NaN, mean: 0, gpu: 0 } } }), 10, GAP)).toBe('idle');
    expect(classifySample(sample(0, 10_000, null, { engines: { enc: { max: Number.NaN, mean: 0, gpu: 0 } } }), 10, GAP)).toBe('unknown');
  });
});
