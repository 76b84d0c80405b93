import { describe, expect, it } from 'vitest';
import { memoryInstance } from '../../../test/fakes/memory-provider';
import { useTempStore } from '../../../test/helpers/temp-store';
import { silentLogger } from '../log';
import type { NoticeAbout, Notifier } from './webhook-notifier';
import { setTeam } from '../owners/directory-service';
import { sendTeamDigests } from './digest-job';

const t = useTempStore();

describe('team digests', () => {
  it("sends each team with a webhook its own instances' part, to its webhook only", () => {
    const NOW = Date.parse('2026-11-10T08:00:00Z');
    setTeam(t.store, 'vision', { webhook: 'https://hooks.example.com/vision' }, NOW);
    setTeam(t.store, 'nlp', {}, NOW);
    t.store.upsertInventory(
      'vast',
      [memoryInstance('1', { name: 'a [team=vision]' }), memoryInstance('2', { name: 'b [team=nlp]' }), memoryInstance('3')],
      NOW,
    );
    const pause = (id: string) =>
      t.store.insertAction(
        { instanceId: id, kind: 'pause', status: 'succeeded', reason: 'idle', figures: { pricePerHour: 1, stateBefore: 'running' } },
        NOW - 3_600_000,
      );
    pause('vast:1');
    pause('vast:2');
    pause('vast:3');
    const sent: [string, NoticeAbout | undefined][] = [];
    const notifier: Notifier = { notify: (t, a) => void sent.push([t, a]), flush: async () => {} };
    const rows = t.store.listActions({ limit: 100 });
    expect(sendTeamDigests({ store: t.store, notifier, logger: silentLogger, hourUtc: 8, publicUrl: null, now: () => NOW }, rows, NOW)).toBe(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]![1]).toEqual({ team: 'vision', teamOnly: true, email: false });
    expect(sent[0]![0]).toMatch(/^Team \*vision\*: .*1 paused/);
    expect(sent[0]![0]).toContain('Saved so far $1.00');
  });
});
