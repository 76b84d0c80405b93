import { describe, expect, it } from 'vitest';
import { forgotten, longTraining, notebookDaytime } from '../traces/workloads';
import { scoreInstance } from './score';

const P = { pricePerHour: 1, stoppedPricePerHour: 0.1, pauseWindowSec: 1800, deleteThresholdSec: 86_400, graceSec: 1800 + 120 };

describe('scoreInstance', () => {
  it('a forgotten instance paused at 31 min and deleted at 25 h costs little and is not wrong', () => {
    const s = scoreInstance(forgotten(), [
      { t: 1860, kind: 'pause' },
      { t: 90_000, kind: 'delete' },
    ], P);
    expect(s.wrongPauses).toBe(0);
    expect(s.wrongDeletes).toBe(0);
    expect(s.costWithoutUsd).toBeCloseTo(168, 5);
    expect(s.costWithUsd).toBeCloseTo(1860 / 3600 + ((90_000 - 1860) / 3600) * 0.1, 5);
    expect(s.missedIdleHours).toBe(0);
  });

  it('pausing a training run is a wrong pause; deleting it is a wrong delete', () => {
    const s = scoreInstance(longTraining(), [
      { t: 5000, kind: 'pause' },
      { t: 6000, kind: 'delete' },
    ], P);
    expect(s.wrongPauses).toBe(1);
    expect(s.wrongDeletes).toBe(1);
  });

  it('counts idle hours left running as missed', () => {
    const s = scoreInstance(forgotten(), [], P);
    expect(s.missedIdleHours).toBeCloseTo(168 - 1920 / 3600, 3);
  });

  it('deleting a notebook its user comes back to is wrong', () => {
    const s = scoreInstance(notebookDaytime(), [
      { t: 18.6 * 3600, kind: 'pause' },
      { t: 20 * 3600, kind: 'delete' },
    ], P);
    expect(s.wrongPauses).toBe(0);
    expect(s.wrongDeletes).toBe(1);
  });
});
