// One sample against the threshold: busy at or above it on any GPU, unknown when a figure is missing, idle below it.
import { describe, expect, it } from 'vitest';
import { classifySample } from './classify-sample';
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
});
