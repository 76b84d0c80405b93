import { describe, expect, it } from 'vitest';
import { coarseDuration, compactDuration, dur, hours, minutes, minutesText, roughDuration } from './duration-text';

describe('duration texts', () => {
  it('dur: one decimal in the largest readable unit', () => {
    expect(dur(45_000)).toBe('45 s');
    expect(dur(750_000)).toBe('12.5 min');
    expect(dur(3.2 * 3_600_000)).toBe('3.2 h');
    expect(dur(-90_000)).toBe('-1.5 min');
    expect(dur(null)).toBe('n/a');
    expect(minutes(30)).toBe('30 min');
    expect(hours(1.5)).toBe('1.5 h');
  });

  it('roughDuration: whole minutes first, never negative seconds', () => {
    expect(roughDuration(20_000)).toBe('20 s');
    expect(roughDuration(45_000)).toBe('1 min');
    expect(roughDuration(150 * 60_000)).toBe('2.5 h');
    expect(roughDuration(-5_000)).toBe('0 s');
  });

  it('minutesText: seconds under a minute, whole hours from ten', () => {
    expect(minutesText(45_000)).toBe('45 s');
    expect(minutesText(12 * 60_000)).toBe('12 min');
    expect(minutesText(150 * 60_000)).toBe('2.5 h');
    expect(minutesText(12 * 3_600_000)).toBe('12 h');
  });

  it('coarseDuration and compactDuration', () => {
    expect(coarseDuration(90_000)).toBe('90 s');
    expect(coarseDuration(3 * 3_600_000)).toBe('3 h');
    expect(compactDuration(59_000)).toBe('59s');
    expect(compactDuration(3 * 3_600_000 + 5 * 60_000)).toBe('3h05m');
    expect(compactDuration(50 * 3_600_000)).toBe('2d2h');
    expect(compactDuration(-1)).toBe('-');
  });
});
