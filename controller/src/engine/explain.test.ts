// explain() and the one-line log formatter: the figures a user needs to see why an instance is or isn't acted on.
import { describe, expect, it } from 'vitest';
import { decideOne } from './decide';
import { explain, formatDecisionLine } from './explain';
import { observeInventory } from './observe-inventory';
import { engineConfig, engineInstance, feed, HOUR, MIN, sample, stream, T0 } from '../../../test/support/engine-test-kit';

const cfg = engineConfig();

describe('formatDecisionLine', () => {
  it('prints a pause in the seed style', () => {
    let st = observeInventory(null, { state: 'running' }, T0 - HOUR, cfg);
    st = feed(
      st,
      stream(T0 - HOUR, T0, 10_000, (t) => (t % 20_000 === 0 ? 2 : 6)),
      cfg,
    );
    const inst = engineInstance();
    expect(formatDecisionLine(decideOne(inst, st, cfg, T0), inst)).toBe(
      'PAUSE: vast:123456 (RTX 4090) - GPU avg=4.0% max=6.0% over 30 min, 180 samples from agent (threshold=10.0%)',
    );
  });

  it('prints kept instances with their reason', () => {
    const inst = engineInstance({ gpuName: null, state: 'unknown', rawState: 'offline' });
    expect(formatDecisionLine(decideOne(inst, null, cfg, T0), inst)).toBe(
      'KEEP: vast:123456 (unknown GPU) - state unknown (provider: offline): never acted on',
    );
  });
});

describe('explain', () => {
  it('shows the figures and each rule for a busy instance', () => {
    let st = observeInventory(null, { state: 'running' }, T0 - HOUR, cfg);
    st = feed(st, [...stream(T0 - HOUR, T0, 10_000, 3), sample(T0 - 5 * MIN, T0 - 5 * MIN + 10_000, 77)], cfg);
    const inst = engineInstance({ holdUntil: null });
    const text = explain(decideOne(inst, st, cfg, T0, { checks: true }), inst);
    expect(text).toContain('vast:123456 "ML Training Job" - vast, RTX 4090 x1, $0.800/h');
    expect(text).toContain('decision:       KEEP [busy] - GPU busy: 77.0% from agent 4.8 min ago (threshold=10.0%)');
    expect(text).toContain('utilization:    max 77.0%, mean 3.0% (threshold 10.0%)'); // the late busy sample counts in the max
    expect(text).toContain('busy reading:   77.0% in a sample ending 2024-12-31T23:55:10.000Z (4.8 min ago)');
    expect(text).toContain('  [no] busy          GPU busy: 77.0% from agent');
    expect(text).toContain('  [ok] protection    not protected');
    expect(text).toContain('next action:    none expected');
    expect(text).toMatch(/coverage:\s+NOT covered; largest gap 0 s \(max 3 min\)/);
  });

  it('shows the delete clock, warning and next action for a stopped instance', () => {
    let st = observeInventory(null, { state: 'running' }, T0 - 20 * HOUR, cfg);
    st = feed(st, stream(T0 - 20 * HOUR, T0 - 19 * HOUR, 10_000, 1), cfg);
    st = observeInventory(st, { state: 'stopped' }, T0 - 19 * HOUR, cfg);
    const inst = engineInstance({ state: 'stopped', rawState: 'exited', createdAt: null });
    const text = explain(decideOne(inst, st, cfg, T0, { checks: true }), inst);
    expect(text).toContain('inactive since: 2024-12-31T04:00:00.000Z (20 h ago)');
    expect(text).toContain('age:            >= 20 h (first seen 2024-12-31T04:00:00.000Z; provider gives no creation time)');
    expect(text).toContain('  [ok] age-known     provider gives no creation time: first seen 2024-12-31T04:00:00.000Z is a lower bound of the age');
    expect(text).toContain('  [ok] age           age >= 20 h (first seen 2024-12-31T04:00:00.000Z; provider gives no creation time) (minimum 1 h)');
    expect(text).toContain('next action:    warn-delete at 2025-01-01T03:00:00.001Z (in 3 h)');
  });

  it('without checks, says how to get them', () => {
    const inst = engineInstance();
    const d = decideOne(inst, null, cfg, T0);
    expect(d.checks).toBeUndefined();
    expect(explain(d, inst)).toContain('rules:          (not computed: decide with {checks: true} to list each rule)');
  });

  it('shows the interactive evidence: what kept it, and what the agent could not read', () => {
    let st = observeInventory(null, { state: 'running' }, T0 - 2 * HOUR, cfg);
    st = feed(st, stream(T0 - 2 * HOUR, T0, 10_000, 2), cfg);
    const base = { reportedAt: T0 - 5_000, notebookActivityAt: null, notebookBusy: false };
    const typing = engineInstance({ interactive: { ...base, terminalInputAt: T0 - 3 * MIN, terminals: 'ok', notebooks: 'none' } });
    const kept = explain(decideOne(typing, st, cfg, T0, { checks: true }), typing);
    expect(kept).toContain(
      'decision:       KEEP [interactive] - kept: terminal input 3 min ago (inside the 30 min window; terminal input 3 min ago; no evidence: no Jupyter server found)',
    );
    expect(kept).toContain('interactive:    kept: terminal input 3 min ago');
    const blind = engineInstance({ interactive: { ...base, terminalInputAt: null, terminals: 'unreadable', notebooks: 'unreadable' } });
    const paused = explain(decideOne(blind, st, cfg, T0, { checks: true }), blind);
    expect(paused).toContain('decision:       PAUSE [pause-idle]');
    expect(paused).toContain(
      '  [ok] interactive   no interactive input in the last 30 min (no evidence: terminals unreadable; no evidence: Jupyter unreadable)',
    );
  });
});
