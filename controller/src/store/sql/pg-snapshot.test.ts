// The snapshot reader's rules on PostgreSQL's text form: which rows a later read may bring back.
import { describe, expect, it } from 'vitest';
import { mayComeBackAfter, parseSnapshot, snapshotParams } from './pg-snapshot';

describe('PostgreSQL snapshots', () => {
  it('reads xmax and the transactions still running', () => {
    expect(parseSnapshot('730:745:731,740')).toEqual({ xmax: '745', running: ['731', '740'] });
    expect(parseSnapshot('745:745:')).toEqual({ xmax: '745', running: [] });
  });

  it('refuses anything else', () => {
    for (const t of ['', '1:2', 'a:b:', '1:2:3;DROP', '1:2:3,,x']) expect(() => parseSnapshot(t)).toThrow(/unexpected snapshot/);
  });

  it('brings back rows of transactions running then or begun since, and no others', () => {
    const s = parseSnapshot('730:745:731,740');
    expect(['729', '731', '735', '740', '744', '745', '900'].map(mayComeBackAfter(s))).toEqual([false, true, false, true, false, true, true]);
  });

  it('gives the next read the previous snapshot’s bounds and this one’s end', () => {
    expect(snapshotParams(parseSnapshot('730:745:731,740'), parseSnapshot('744:760:744'))).toEqual(['745', '{731,740}', '760']);
  });
});
