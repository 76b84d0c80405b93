// Leadership on a real PostgreSQL: one leader at a time, a stalled leader is fenced once another holds the lease, and
// two processes given one REPLICA_ID never both lead. On SQLite the one process always leads.
import { describe, expect, it } from 'vitest';
import { storeBackends, useTempStore } from '../../../test/helpers/temp-store';
import { openStore } from '../store';
import { silentLogger } from '../log';
import { Leadership } from './leadership';

const backends = storeBackends();

describe('leadership on SQLite', () => {
  const t = useTempStore('sqlite');
  it('always leads and is never fenced', () => {
    const l = new Leadership({ store: t.store, replicaId: 'solo', leaseSec: 3, logger: silentLogger });
    expect(l.tick()).toBe('leader');
    expect(l.fence()).toBeNull();
  });
});

describe.skipIf(!backends.includes('postgres'))('leadership on PostgreSQL', () => {
  const t = useTempStore('postgres');

  it('one leader; a stalled leader is fenced after its lease passes to another, and the same REPLICA_ID twice leads once', async () => {
    const other = t.store;
    const store2 = openStore(t.location);
    try {
      const a = new Leadership({ store: other, replicaId: 'same', leaseSec: 3, logger: silentLogger });
      const b = new Leadership({ store: store2, replicaId: 'same', leaseSec: 3, logger: silentLogger });
      expect(a.tick()).toBe('leader');
      expect(b.tick()).toBe('follower');
      // The first lease ever: no earlier leader whose call could still be on its way.
      expect(a.view().sincePreviousLeaseMs).toBe(Infinity);
      expect(b.view()).toEqual({ epoch: null, sincePreviousLeaseMs: 0 });
      expect(a.fence()).toBeNull();
      expect(b.fence()).toMatch(/not the leader/);
      expect(b.leader().replica).toBe('same');
      // a stalls: it does not renew. Within the last third of its lease it may no longer act, even before expiry.
      await new Promise((r) => setTimeout(r, 2_200));
      expect(a.fence()).toMatch(/no longer holds the leader lease/);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(b.tick()).toBe('leader');
      expect(b.fence()).toBeNull();
      // a's lease ran out moments ago by the database's clock: b counts its wait for a's last call from then.
      const since = b.view().sincePreviousLeaseMs;
      expect(since).toBeGreaterThanOrEqual(0);
      expect(since).toBeLessThan(1_500);
      // a wakes up still believing it leads: the fence, checked in the database, stops it.
      expect(a.role).toBe('leader');
      expect(a.fence()).toMatch(/no longer holds the leader lease/);
      expect(a.tick()).toBe('follower');
      // A clean stop gives the lease up at once.
      b.stop();
      expect(a.tick()).toBe('leader');
      // A one-shot process (run-once) that takes a lease which ran out an hour ago owes the last leader no wait.
      a.stop();
      other.db.exec("UPDATE leader_lease SET expires_at = clock_timestamp() - interval '1 hour'");
      const once = new Leadership({ store: store2, replicaId: 'run-once', leaseSec: 3, logger: silentLogger });
      expect(once.tick()).toBe('leader');
      expect(once.view().sincePreviousLeaseMs).toBeGreaterThanOrEqual(3_600_000);
      once.stop();
    } finally {
      store2.close();
    }
  });
});
