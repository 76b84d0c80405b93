// The leader's sample feed (controller/src/replicas/store-sample-feed.ts) on a real PostgreSQL: every stored sample is
// folded in once however often the re-read margin brings it back, and a row deleted while a page is read keeps its
// place in the page (so a full page is never taken for the last one).
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../controller/src/log';
import { StoreSampleFeed } from '../../controller/src/replicas/store-sample-feed';
import type { SampleInput } from '../../controller/src/store/types';
import { batch, gpus } from '../helpers/gpu-stats';
import { storeBackends, useTempStore } from '../helpers/temp-store';

const T = 1_750_000_000_000;

function agentInput(instanceId: string, seq: number, t1: number): SampleInput {
  const b = batch('run-1', seq, t1, gpus(2, 40));
  return { instanceId, source: 'agent', t0: b.t0, t1: b.t1, gpus: b.gpus, procs: b.procs, health: b.health, run: { runId: 'run-1', seq } };
}

// The feed exists for replicas sharing PostgreSQL; SQLite's lone controller hears its own commits instead.
describe.each(storeBackends().filter((b) => b === 'postgres'))('sample feed on %s', (backend) => {
  const t = useTempStore(backend);

  it('folds in each stored sample once across polls that read the same margin again', () => {
    const folded: string[] = [];
    const feed = new StoreSampleFeed(t.store, { observe: (id, list) => list.forEach((s) => folded.push(`${id}@${s.t1}`)) }, silentLogger, 30_000);
    t.store.insertSamples([agentInput('vast:1', 1, T + 10_000), agentInput('vast:2', 1, T + 10_000)], T + 10_000);
    expect(feed.poll()).toBe(2);
    t.store.insertSamples([agentInput('vast:1', 2, T + 20_000)], T + 20_000);
    expect(feed.poll()).toBe(1);
    expect(feed.poll()).toBe(0);
    expect(folded.sort()).toEqual([`vast:1@${T + 10_000}`, `vast:1@${T + 20_000}`, `vast:2@${T + 10_000}`]);
  });

  it('reads the margin without its GPU figures, fetches an unseen one whole, and keeps a deleted one in the page', () => {
    t.store.insertSamples(
      [1, 2, 3].map((seq) => agentInput('vast:1', seq, T + seq * 10_000)),
      T + 30_000,
    );
    const past = Number.MAX_SAFE_INTEGER; // every row is margin: none comes with its figures
    const whole = t.store.samplesAddedSince(0, 50_000, () => false, past);
    expect(whole.map((r) => r.summary?.utilMax)).toEqual(whole.map(() => expect.any(Number)));
    // What the reader already has is not decoded.
    expect(t.store.samplesAddedSince(0, 50_000, () => true, past).map((r) => r.summary)).toEqual([null, null, null]);
    // Retention deletes the middle row after the page was read and before its figures are fetched: the page still
    // has three entries (the reader's test for a full page counts them), the deleted one without figures.
    const gone = whole[1]!.key;
    const page = t.store.samplesAddedSince(
      0,
      50_000,
      (key) => {
        if (key === gone) t.store.db.prepare('DELETE FROM samples WHERE t1 = ?').run(T + 20_000);
        return false;
      },
      past,
    );
    expect(page.map((r) => [r.key, r.summary === null])).toEqual([
      [whole[0]!.key, false],
      [gone, true],
      [whole[2]!.key, false],
    ]);
  });
});
