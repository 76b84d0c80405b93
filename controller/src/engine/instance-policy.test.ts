import { describe, expect, it } from 'vitest';
import { decideOne } from './decide';
import { explain } from './explain';
import { instancePolicy, parseDurationMinutes, policyLines } from './instance-policy';
import { observeInventory } from './observe-inventory';
import { engineConfig, engineInstance, feed, HOUR, MIN, stream, T0 } from '../../../test/support/engine-test-kit';

describe('instance policy from the name or labels', () => {
  it('reads [idle=2h] and [no-delete] in a name, and the GCP labels', () => {
    expect(instancePolicy({ name: 'render [idle=2h] [no-delete]', labels: {} }, 30)).toMatchObject({ idleMinutes: 120, noDelete: true, ignored: [] });
    const gcp = instancePolicy({ name: 'trainer-1', labels: { 'cost-optimizer-idle': '90m', 'cost-optimizer-no-delete': 'true' } }, 30);
    expect(gcp).toMatchObject({
      idleMinutes: 90,
      idleFrom: 'label cost-optimizer-idle=90m',
      noDelete: true,
      noDeleteFrom: 'label cost-optimizer-no-delete=true',
    });
    expect(instancePolicy({ name: 'plain', labels: {} }, 30)).toMatchObject({ idleMinutes: null, noDelete: false });
    expect(parseDurationMinutes('1.5h')).toBe(90);
    expect(parseDurationMinutes('1d')).toBe(1440);
    expect(parseDurationMinutes('2 weeks')).toBeNull();
  });

  it('ignores a bad or shorter marker with a line saying why, never shortening the window', () => {
    const bad = instancePolicy({ name: 'x [idle=soon]', labels: { 'cost-optimizer-idle': '10m', 'cost-optimizer-no-delete': 'maybe' } }, 30);
    expect(bad.idleMinutes).toBeNull();
    expect(bad.noDelete).toBe(false);
    expect(bad.ignored).toHaveLength(3);
    const text = policyLines(bad).join('\n');
    expect(text).toContain('"soon" is not a duration');
    expect(text).toContain('10m is not longer than the global 30 min');
    expect(text).toContain('not true/false-like');
    expect(() => instancePolicy({ name: 42 as unknown as string, labels: null as unknown as Record<string, string> }, 30)).not.toThrow();
  });

  it('a longer window holds the pause back until the instance has been idle that long; explain says where it came from', () => {
    const cfg = engineConfig({ pauseWarningMinutes: 0 });
    let st = observeInventory(null, { state: 'running' }, T0, cfg);
    st = feed(st, stream(T0, T0 + 61 * MIN, 10_000, 2), cfg);
    const inst = engineInstance({ name: 'render-farm-7 [idle=2h]' });
    const d = decideOne(inst, st, cfg, T0 + 61 * MIN, { checks: true });
    expect(d.kind).toBe('none');
    expect(d.code).toBe('policy-window');
    expect(d.reason).toContain('[idle=2h]');
    expect(d.figures.next).toEqual({ kind: 'pause', at: T0 + 2 * HOUR });
    expect(explain(d, inst)).toContain('idle window 2 h (name "render-farm-7 [idle=2h]")');
    st = feed(st, stream(T0 + 61 * MIN, T0 + 121 * MIN, 10_000, 2), cfg);
    expect(decideOne(inst, st, cfg, T0 + 121 * MIN).kind).toBe('pause');
    // Without the marker the same instance is paused at 30 min.
    expect(decideOne(engineInstance(), st, cfg, T0 + 121 * MIN).kind).toBe('pause');
  });

  it('a longer window counts keyboard input too: typed 45 min ago inside [idle=2h] keeps it, and a warning before the input no longer counts', () => {
    const cfg = engineConfig({ pauseWarningMinutes: 5 });
    let st = observeInventory(null, { state: 'running' }, T0, cfg);
    st = feed(st, stream(T0, T0 + 3 * HOUR, 10_000, 2), cfg);
    const NOW = T0 + 3 * HOUR;
    const typed = NOW - 45 * MIN;
    const interactive = {
      reportedAt: NOW,
      terminalInputAt: typed,
      terminals: 'ok' as const,
      notebookActivityAt: null,
      notebookBusy: false,
      notebooks: 'none' as const,
    };
    // A pause warning that went out before the input belongs to an earlier episode.
    const inst = engineInstance({ name: 'render [idle=2h]', interactive, pauseWarnedAt: typed - 10 * MIN });
    const d = decideOne(inst, st, cfg, NOW);
    expect(d.kind).toBe('none');
    expect(d.figures.next).toEqual({ kind: 'pause', at: typed + 2 * HOUR });
    expect(d.figures.pauseWarnedAt ?? null).toBeNull();
    // Two hours after the last input (and a fresh warning) it may go.
    const later = typed + 2 * HOUR + MIN;
    st = feed(st, stream(NOW, later, 10_000, 2), cfg);
    const warned = engineInstance({ name: 'render [idle=2h]', interactive: { ...interactive, reportedAt: later }, pauseWarnedAt: later - 6 * MIN });
    expect(decideOne(warned, st, cfg, later).kind).toBe('pause');
  });

  it('[no-delete]: paused, never deleted, and explain says why', () => {
    const cfg = engineConfig({ pauseWarningMinutes: 0 });
    const NOW = T0 + 48 * HOUR;
    let st = observeInventory(null, { state: 'running' }, T0, cfg);
    st = feed(st, stream(T0, T0 + HOUR, 10_000, 2), cfg);
    st = observeInventory(st, { state: 'stopped' }, T0 + HOUR, cfg);
    st = observeInventory(st, { state: 'stopped' }, NOW - MIN, cfg);
    const plain = engineInstance({ state: 'stopped', rawState: 'exited', createdAt: T0 - 48 * HOUR, deleteWarnedAt: NOW - 2 * HOUR });
    expect(decideOne(plain, st, cfg, NOW).kind).toBe('delete');
    const kept = { ...plain, name: 'dataset-prep [no-delete]' };
    const d = decideOne(kept, st, cfg, NOW, { checks: true });
    expect(d.kind).toBe('none');
    expect(d.checks!.delete.find((c) => c.rule === 'capability')!.detail).toContain('never deleted (name "dataset-prep [no-delete]")');
  });
});

describe('team default policy', () => {
  const team = { team: 'vision', idleMinutes: 120, noDelete: true };
  it('gives the team window and pause-only to an instance without markers', () => {
    const p = instancePolicy({ name: 'box', labels: {} }, 30, team);
    expect(p).toMatchObject({ idleMinutes: 120, idleFrom: "team vision's default", noDelete: true, noDeleteFrom: "team vision's default" });
  });

  it('a marker can lengthen the team window, never shorten it', () => {
    expect(instancePolicy({ name: 'box [idle=3h]', labels: {} }, 30, team)).toMatchObject({ idleMinutes: 180 });
    const shorter = instancePolicy({ name: 'box [idle=1h]', labels: {} }, 30, team);
    expect(shorter.idleMinutes).toBe(120);
    expect(shorter.ignored).toEqual([expect.stringContaining("not longer than team vision's 120 min")]);
    // A team window shorter than the global one changes nothing.
    expect(instancePolicy({ name: 'box', labels: {} }, 30, { team: 'x', idleMinutes: 10, noDelete: false }).idleMinutes).toBeNull();
  });
});
