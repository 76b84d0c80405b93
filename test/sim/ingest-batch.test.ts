// The simulator's view of one batch through the ingest: parser, then batchInput()'s checks and skew correction.
import { describe, expect, it } from 'vitest';
import { batch, gpus } from '../helpers/gpu-stats';
import { batchToSampleInput } from './ingest-batch';

const T = Date.UTC(2025, 0, 6, 12);

describe('batchToSampleInput', () => {
  it('keeps the agent times when the clocks agree', () => {
    const r = batchToSampleInput('vast:1', batch('run-00000001', 3, T, gpus(1, 50)), T);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.input).toMatchObject({ instanceId: 'vast:1', source: 'agent', t0: T - 10_000, t1: T, run: { runId: 'run-00000001', seq: 3 } });
  });

  it('moves the interval onto the controller clock by receivedAt - sentAt', () => {
    // The host clock is 2 h ahead: the agent says t1 = T + 2 h and sent it at T + 2 h; the controller receives it at T.
    const ahead = batchToSampleInput('gcp:z/a', batch('run-00000001', 1, T + 7_200_000, gpus(1, 5)), T);
    expect(ahead.ok && [ahead.input.t0, ahead.input.t1, ahead.skewMs]).toEqual([T - 10_000, T, -7_200_000]);
    // A replay re-sent after an outage carries a fresh sentAt: an old interval stays old.
    const replay = batchToSampleInput('gcp:z/a', batch('run-00000001', 2, T - 45 * 60_000, gpus(1, 5), { sentAt: T }), T);
    expect(replay.ok && replay.input.t1).toBe(T - 45 * 60_000);
  });

  it('rejects what the protocol refuses, saying why', () => {
    const r = batchToSampleInput('vast:1', { ...batch('run-00000001', 1, T, gpus(1, 5)), t0: T + 1 }, T);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/t0 <= t1/);
    const junk = batchToSampleInput('vast:1', { type: 'batch' }, T);
    expect(junk.ok).toBe(false);
    // An interval ending after the frame was sent (a host clock stepped back since) is a bad frame, as in the ingest.
    const ahead = batchToSampleInput('vast:1', batch('run-00000001', 1, T, gpus(1, 5), { sentAt: T - 30 * 60_000 }), T);
    expect(ahead).toEqual({ ok: false, reason: 'batch t1 lies in the future (after sentAt)' });
  });
});
