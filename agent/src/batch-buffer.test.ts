import { describe, expect, it } from 'vitest';
import { type Batch, BatchSchema, PROTOCOL_VERSION } from '../../protocol';
import { BatchBuffer } from './batch-buffer';

const RUN = 'run-aaaaaaaa';
const T = 1_750_000_000_000;
const batch = (seq: number): Batch => ({
  v: PROTOCOL_VERSION,
  type: 'batch',
  runId: RUN,
  seq,
  t0: T + (seq - 1) * 10_000,
  t1: T + seq * 10_000,
  sentAt: T + seq * 10_000,
  gpus: [],
  procs: null,
  health: { state: 'ok' },
  dropped: 0,
});

describe('BatchBuffer', () => {
  it('keeps batches in order and returns those after a seq', () => {
    const b = new BatchBuffer(RUN, 10);
    for (let s = 1; s <= 5; s++) b.push(batch(s));
    expect(BatchSchema.safeParse(batch(1)).success).toBe(true);
    expect(b.size).toBe(5);
    expect(b.after(0).map((x) => x.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(b.after(3).map((x) => x.seq)).toEqual([4, 5]);
    expect(b.oldestSeq).toBe(1);
  });

  it('drops the OLDEST when full and counts every drop', () => {
    const b = new BatchBuffer(RUN, 3);
    for (let s = 1; s <= 7; s++) b.push(batch(s));
    expect(b.size).toBe(3);
    expect(b.after(0).map((x) => x.seq)).toEqual([5, 6, 7]);
    expect(b.dropped).toBe(4);
  });

  it('prunes cumulatively on ack, ignores other runs and stale acks', () => {
    const b = new BatchBuffer(RUN, 100);
    for (let s = 1; s <= 6; s++) b.push(batch(s));
    expect(b.ack('run-other-1', 6)).toBe(0);
    expect(b.size).toBe(6);
    expect(b.ack(RUN, 4)).toBe(4);
    expect(b.after(0).map((x) => x.seq)).toEqual([5, 6]);
    expect(b.ack(RUN, 2)).toBe(0);
    expect(b.ack(RUN, 100)).toBe(2);
    expect(b.size).toBe(0);
    expect(b.oldestSeq).toBeNull();
    expect(b.dropped).toBe(0);
  });

  it('stays correct across internal compaction of a long run', () => {
    const b = new BatchBuffer(RUN, 8640);
    let acked = 0;
    for (let s = 1; s <= 20_000; s++) {
      b.push(batch(s));
      if (s % 7 === 0) {
        acked = s - 3;
        b.ack(RUN, acked);
      }
    }
    // The last ack came at seq 19999 (7 * 2857) and covered up to 19996.
    expect(acked).toBe(19_996);
    expect(b.after(0).map((x) => x.seq)).toEqual([19_997, 19_998, 19_999, 20_000]);
    expect(b.oldestSeq).toBe(19_997);
    expect(b.dropped).toBe(0);
  });

  it('refuses a seq that does not grow and a zero bound', () => {
    const b = new BatchBuffer(RUN, 2);
    b.push(batch(2));
    expect(() => b.push(batch(2))).toThrow(RangeError);
    expect(() => new BatchBuffer(RUN, 0)).toThrow(RangeError);
  });
});
