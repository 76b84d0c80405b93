import { describe, expect, it } from 'vitest';
import { forgotten, jobFinishesAtHour5, longTraining, notebookDaytime } from '../traces/workloads';
import { scoreInstance } from './score';

const P = { pricePerHour: 1, stoppedPricePerHour: 0.1, pauseWindowSec: 1800, deleteThresholdSec: 86_400, graceSec: 1800 + 120 };

describe('scoreInstance', () => {
  it('a forgotten instance paused at 31 min and deleted at 25 h costs little and is not wrong', () => {
    const s = scoreInstance(
      forgotten(),
      [
        { t: 1860, kind: 'pause' },
        { t: 90_000, kind: 'delete' },
      ],
      P,
    );
    expect(s.wrongPauses).toBe(0);
    expect(s.wrongDeletes).toBe(0);
    expect(s.costWithoutUsd).toBeCloseTo(168, 5);
    expect(s.costWithUsd).toBeCloseTo(1860 / 3600 + ((90_000 - 1860) / 3600) * 0.1, 5);
    expect(s.missedIdleHours).toBe(0);
  });

  it('pausing a training run is a wrong pause; deleting it is a wrong delete', () => {
    const s = scoreInstance(
      longTraining(),
      [
        { t: 5000, kind: 'pause' },
        { t: 6000, kind: 'delete' },
      ],
      P,
    );
    expect(s.wrongPauses).toBe(1);
    expect(s.wrongDeletes).toBe(1);
  });

  it('counts idle hours left running as missed', () => {
    const s = scoreInstance(forgotten(), [], P);
    expect(s.missedIdleHours).toBeCloseTo(168 - 1920 / 3600, 3);
  });

  it('deleting a notebook its user comes back to is wrong', () => {
    const s = scoreInstance(
      notebookDaytime(),
      [
        { t: 18.6 * 3600, kind: 'pause' },
        { t: 20 * 3600, kind: 'delete' },
      ],
      P,
    );
    expect(s.wrongPauses).toBe(0);
    expect(s.wrongDeletes).toBe(1);
  });

  it('a pause a window after the notebook user last used the GPU is right, even if they left only minutes ago', () => {
    const trace = notebookDaytime();
    let lastWork = 0;
    for (let t = 17 * 3600; t < 18 * 3600; t++) if ((trace.at(t).util ?? 0) >= 10) lastWork = t;
    expect(lastWork).toBeGreaterThan(17.5 * 3600); // the user works until shortly before 18:00, then leaves
    const right = scoreInstance(trace, [{ t: lastWork + 31 * 60, kind: 'pause' }], P);
    expect(right.wrongPauses).toBe(0);
    expect(right.pausesSoonAfterBusy).toBe(1); // the trace was "busy" (user present, GPU idle) until 18:00
    expect(scoreInstance(trace, [{ t: lastWork + 29 * 60, kind: 'pause' }], P).wrongPauses).toBe(1);
    expect(scoreInstance(trace, [{ t: 17 * 3600 + 55 * 60, kind: 'pause' }], P).wrongPauses).toBe(1);
  });

  it('a pause less than a window after the GPU last worked is wrong even when the trace is no longer busy', () => {
    const s = scoreInstance(jobFinishesAtHour5(), [{ t: 5 * 3600 + 10 * 60, kind: 'pause' }], P);
    expect(s.wrongPauses).toBe(1);
    const later = scoreInstance(jobFinishesAtHour5(), [{ t: 5 * 3600 + 31 * 60, kind: 'pause' }], P);
    expect(later.wrongPauses).toBe(0);
  });

  it('scores only the part of the trace that was played', () => {
    const s = scoreInstance(forgotten(), [{ t: 3600, kind: 'pause' }], { ...P, durationSec: 6 * 3600 });
    expect(s.costWithoutUsd).toBeCloseTo(6, 5);
    expect(s.costWithUsd).toBeCloseTo(1 + 5 * 0.1, 5);
  });
});
