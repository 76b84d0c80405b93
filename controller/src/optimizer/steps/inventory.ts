// Cycle step 1, inventory: every provider's list, stored. A provider whose list failed is left out of this cycle:
// none of its instances is observed or decided on stale facts.
import type { ProviderInstance, ProviderName } from '../../domain/instance';
import type { Logger } from '../../log';
import type { Metrics } from '../../metrics/metrics';
import type { Provider } from '../../providers/provider';
import type { InstanceRecord, Store } from '../../store';
import { listAll, type InventoryOutcome } from '../list-providers';

export interface InventoryDeps {
  providers: ReadonlyMap<ProviderName, Provider>;
  store: Pick<Store, 'upsertInventory' | 'listInstances'>;
  logger: Logger;
  metrics?: Pick<Metrics, 'providerErrors'>;
  inventory?: { attempts?: number; baseDelayMs?: number };
}

export interface Inventory {
  outcomes: InventoryOutcome[];
  /** Providers whose list answered this cycle, and `manual` (instances the agents announced, listed by nobody). */
  fresh: ReadonlySet<ProviderName>;
  /** What the providers listed, as they listed it. */
  listed: ProviderInstance[];
  /** Every stored instance after the update. */
  records: InstanceRecord[];
  /** The stored instances of the fresh providers: the ones this cycle may decide on. */
  current: InstanceRecord[];
}

export async function takeInventory(d: InventoryDeps, now: number): Promise<Inventory> {
  const outcomes = await listAll([...d.providers.values()], { logger: d.logger, ...d.inventory });
  const fresh = new Set<ProviderName>(['manual']);
  const listed: ProviderInstance[] = [];
  for (const o of outcomes) {
    if (!o.ok) {
      d.metrics?.providerErrors.inc({ provider: o.provider, op: 'list' });
      d.logger.error(`inventory ${o.provider} failed after ${o.attempts} attempts: ${o.error}; its instances are not acted on this cycle`);
      continue;
    }
    fresh.add(o.provider);
    d.store.upsertInventory(o.provider, o.instances, now);
    listed.push(...o.instances);
  }
  const records = d.store.listInstances();
  return { outcomes, fresh, listed, records, current: records.filter((r) => fresh.has(r.provider)) };
}
