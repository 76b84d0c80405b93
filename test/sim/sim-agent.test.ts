import { describe, expect, it } from 'vitest';
import { BatchSchema } from '../../protocol';
import { agentDies, burstyInference, notebookDaytime } from '../traces/workloads';
import { SimHostAgent } from './sim-agent';

const EPOCH = Date.UTC(2025, 0, 6);
const H = 3600;

function agent(trace = notebookDaytime(), clockOffsetMs?: (s: number) => number, reportIntervalSec?: number) {
  return new SimHostAgent({ trace, epochMs: EPOCH, memTotalMiB: 24_564, runIdPrefix: 'test', clockOffsetMs, reportIntervalSec });
}

describe('SimHostAgent', () => {
  it('builds one valid protocol batch per minute, numbered from 1, covering the minute on the controller clock', () => {
    const a = agent();
    a.start(0);
    a.advance(10 * 60);
    const out = a.outbox(10 * 60);
    expect(out).toHaveLength(10);
    out.forEach((b, i) => {
      expect(BatchSchema.safeParse(b).success).toBe(true);
      expect(b.seq).toBe(i + 1);
      expect([b.t0, b.t1]).toEqual([EPOCH + i * 60_000, EPOCH + (i + 1) * 60_000]);
      expect(b.gpus[0]!.count).toBe(60);
      expect(b.gpus[0]!.memTotal).toBe(24_564);
    });
  });

  it('the per-minute fast path gives exactly what second-by-second aggregation gives', () => {
    // A zero offset takes the exact path (the fast one needs no offset function at all).
    for (const trace of [notebookDaytime(), burstyInference()]) {
      const fast = agent(trace);
      const exact = agent(trace, () => 0);
      for (const a of [fast, exact]) {
        a.start(8 * H);
        a.advance(10 * H);
      }
      const strip = (bs: ReturnType<SimHostAgent['outbox']>) => bs.map(({ runId: _r, ...rest }) => rest);
      expect(strip(exact.outbox(10 * H))).toEqual(strip(fast.outbox(10 * H)));
    }
  });

  it('sends each batch once per connection, replays everything unacknowledged after a reconnect, forgets what is acked', () => {
    const a = agent();
    a.start(0);
    a.advance(180);
    expect(a.outbox(180).map((b) => b.seq)).toEqual([1, 2, 3]);
    a.advance(240);
    expect(a.outbox(240).map((b) => b.seq)).toEqual([4]);
    a.ack(a.currentRunId, 2);
    a.reconnect();
    const replay = a.outbox(300);
    expect(replay.map((b) => b.seq)).toEqual([3, 4]);
    expect(replay.every((b) => b.sentAt === EPOCH + 300_000)).toBe(true); // re-sent now: sentAt is the agent's clock now
  });

  it('dies with the host when the trace says the agent is down, losing what was not acknowledged', () => {
    const a = agent(agentDies());
    a.start(2 * H - 300);
    a.advance(2 * H + 600);
    expect(a.running).toBe(false);
    expect(a.produced).toBe(5);
    expect(a.unackedAtStop).toHaveLength(5);
  });

  it('through a clock step of -30 min or +2 h keeps sending one-minute batches on time, as agent.ts does', () => {
    const step = 2 * H;
    for (const stepMs of [-30 * 60_000, 2 * H * 1000]) {
      const a = agent(notebookDaytime(), (s) => (s >= step ? stepMs : 0));
      a.start(step - 60);
      a.advance(step + 40 * 60);
      const bs = a.outbox(step + 40 * 60);
      expect(bs.every((b) => BatchSchema.safeParse(b).success)).toBe(true);
      expect(bs).toHaveLength(41);
      expect(bs.map((b) => b.t1 - b.t0)).toEqual(Array.from({ length: 41 }, () => 60_000));
      expect(bs.map((b) => b.gpus[0]!.count)).toEqual(Array.from({ length: 41 }, () => 60));
      // sentAt follows the process's clock, which the step did not move: the controller's skew correction is exact.
      expect(bs[40]!.sentAt).toBe(a.clock(step + 40 * 60));
      expect(a.clock(step + 40 * 60) - a.clock(step - 60)).toBe(41 * 60_000);
    }
  });

  it('a process started after a clock step runs on the stepped clock (the controller corrects the offset)', () => {
    const a = agent(notebookDaytime(), (s) => (s >= 60 ? -30 * 60_000 : 0));
    a.start(0);
    const firstRunAt0 = a.clock(0);
    a.advance(120);
    expect(a.clock(120)).toBe(firstRunAt0 + 120_000);
    a.stop();
    a.start(180);
    expect(a.clock(180)).toBe(firstRunAt0 + 180_000 - 30 * 60_000);
  });

  it('a new run (instance resumed) starts its sequence again under a new run id', () => {
    const a = agent();
    a.start(0);
    a.advance(120);
    const first = a.currentRunId;
    a.stop();
    a.start(600);
    a.advance(720);
    const out = a.outbox(720);
    expect(a.currentRunId).not.toBe(first);
    expect(out.map((b) => [b.seq, b.t0])).toEqual([
      [1, EPOCH + 600_000],
      [2, EPOCH + 660_000],
    ]);
  });
});
