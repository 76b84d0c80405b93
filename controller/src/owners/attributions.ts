// Every instance's owner and team from the store: the instances' markers, the join tokens' teams and the directory
// (engine/attribution.ts does the deciding). One read of the directory per call, for views and each cycle.
import { attribute, type Attribution } from '../engine/attribution';
import type { Store } from '../store';
import type { InstanceRecord } from '../store/types';

export interface Attributions {
  of(instance: Pick<InstanceRecord, 'id' | 'name' | 'labels'>): Attribution;
}

export function loadAttributions(store: Store): Attributions {
  const ownerTeams = new Map(store.directory.listOwners().map((o) => [o.name, o.team]));
  const enrolled = store.directory.enrolledTeams();
  const dir = { ownerTeam: (o: string) => ownerTeams.get(o) ?? null };
  return { of: (i) => attribute(i, enrolled.get(i.id) ?? null, dir) };
}

/** The attribution of one instance by id; the unattributed one when the store does not know it. */
export function attributionOf(store: Store, instanceId: string): Attribution {
  const rec = store.getInstance(instanceId);
  if (rec === null) return { owner: null, ownerFrom: null, team: null, teamFrom: null };
  return loadAttributions(store).of(rec);
}
