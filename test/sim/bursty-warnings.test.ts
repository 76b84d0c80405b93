// No crying wolf, end to end: a bursty inference server with a request about every half hour, through the real agent
// aggregation, ingest, store, engine, executor and notifier for a simulated day. Its idle spells keep coming near
// the 30 min window; it is never paused, and the messages about it stay at a few a day.
import { describe, expect, it } from 'vitest';
import { GPU_CATALOGUE, sharedTrace } from './fleet';
import { runSimulation } from './harness';
import { burstyHalfHourly } from '../traces/workloads';

/** Messages a day about the bursty server: at most FALSE_ALARMS_PER_DAY warnings, each with its calling-off. */
const MAX_MESSAGES_PER_DAY = 4;

describe('a bursty server with a request every ~30 min', () => {
  it('is never paused while serving and gets at most a few warning messages a day', async () => {
    const model = GPU_CATALOGUE.vast.find((m) => m.gpu === 'RTX 4090')!;
    const r = await runSimulation({
      name: 'bursty half-hourly',
      days: 1,
      seed: 1,
      instances: [{ key: 'w0', provider: 'vast', model, trace: sharedTrace(burstyHalfHourly, 31) }],
    });
    const detail = JSON.stringify({ audit: r.integrity.audit, wrong: r.wrongActions, errors: r.errorSample.slice(0, 3) });
    expect(r.totals.wrongPauses, detail).toBe(0);
    expect(r.integrity.pauseCalls, detail).toBe(0);
    const inst = r.perInstance[0]!;
    // The spells that reach the warning: without the false-alarm rule every one got a warning and its calling-off.
    expect(r.integrity.audit['warn-pause/succeeded'] ?? 0, detail).toBeGreaterThanOrEqual(1);
    expect(r.integrity.audit['warn-pause/succeeded'] ?? 0, detail).toBeLessThanOrEqual(MAX_MESSAGES_PER_DAY / 2);
    expect(inst.messages, detail).toBeLessThanOrEqual(MAX_MESSAGES_PER_DAY);
  });
});
