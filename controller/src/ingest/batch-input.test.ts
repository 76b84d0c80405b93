// batchInput moves the interactive report to the controller's clock with the same skew correction as the interval.
import { describe, expect, it } from 'vitest';
import { type Batch, PROTOCOL_VERSION } from '../../../protocol';
import { batchInput } from './batch-input';

const T = 1_750_000_000_000;
const batch = (over: Partial<Batch> = {}): Batch => ({
  v: PROTOCOL_VERSION,
  type: 'batch',
  runId: 'run-abcdefgh',
  seq: 1,
  t0: T - 10_000,
  t1: T,
  sentAt: T,
  gpus: [],
  procs: 0,
  health: { state: 'ok' },
  dropped: 0,
  ...over,
});

describe('batchInput', () => {
  it('shifts the interactive report by the agent clock skew; a busy kernel is reported at the end of the interval', () => {
    const b = batch({ interactive: { terminalInputAt: T - 60_000, terminals: 'ok', notebookActivityAt: T - 5_000, notebookBusy: true, notebooks: 'ok' } });
    const r = batchInput('vast:1', b, T + 3_600_000); // the host's clock is an hour slow
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.input.interactive).toEqual({
      reportedAt: T + 3_600_000,
      terminalInputAt: T + 3_540_000,
      terminals: 'ok',
      notebookActivityAt: T + 3_595_000,
      notebookBusy: true,
      notebooks: 'ok',
    });
  });

  it('an agent that sends no report gives no report (not "no activity")', () => {
    const r = batchInput('vast:1', batch(), T);
    expect(r.ok && r.input.interactive).toBeUndefined();
  });
});
