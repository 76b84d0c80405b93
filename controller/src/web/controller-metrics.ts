// The Prometheus registry of a running controller: per-instance gauges and savings read from the store at scrape
// time, ingest counters advanced by the difference since the last scrape (ingest keeps running totals).
import type { Config } from '../config/config';
import type { Ingest } from '../ingest';
import { Metrics } from '../metrics/metrics';
import type { Store } from '../store';
import type { Leadership } from '../replicas/leadership';
import { savingsFromStore } from '../savings/store-savings';
import { teamSpends } from '../owners/team-spend';
import { knownUtil } from '../domain/sample';

export function controllerMetrics(d: {
  store: Store;
  ingest: Ingest;
  config: Config;
  now: () => number;
  leadership?: Pick<Leadership, 'role' | 'replica'>;
}): Metrics {
  const { store, ingest, config, now, leadership } = d;
  const seen = { inserted: 0, duplicate: 0, badFrames: 0, authFailures: 0 };
  const advance = (key: keyof typeof seen, value: number, inc: (n: number) => void) => {
    if (value > seen[key]) inc(value - seen[key]);
    seen[key] = Math.max(seen[key], value);
  };
  const metrics: Metrics = new Metrics(() => {
    const s = savingsFromStore(store, now(), config.deleteSavingsHorizonDays);
    const st = ingest.stats();
    const records = store.listInstances();
    advance('inserted', st.batches.inserted, (n) => metrics.ingestBatches.inc(n));
    advance('duplicate', st.batches.duplicate, (n) => metrics.ingestDuplicates.inc(n));
    advance('badFrames', st.badFrames, (n) => metrics.ingestRejected.inc({ reason: 'bad-frame' }, n));
    advance('authFailures', st.authFailures, (n) => metrics.ingestRejected.inc({ reason: 'auth' }, n));
    return {
      instances: records.map((i) => {
        const last = store.lastSample(i.id);
        const engines: Partial<Record<'enc' | 'dec' | 'jpeg' | 'ofa' | 'encSessions', number>> = {};
        for (const [k, p] of Object.entries(last?.engines ?? {}) as [keyof typeof engines, { max: number }][]) engines[k] = p.max;
        return {
          id: i.id,
          provider: i.provider,
          state: i.state,
          util: last ? knownUtil(last) : null,
          pricePerHour: i.pricePerHour,
          engines,
          tempC: last?.tempC ?? null,
          ...(last?.host === undefined ? {} : { host: last.host }),
          ...(last?.host === undefined && last?.inhibit === undefined ? {} : { inhibited: last!.inhibit !== undefined && last!.inhibit.until > last!.t1 }),
        };
      }),
      savingsTotalUsd: s.totalUsd,
      savingsMonthlyUsd: s.monthlyProjectionUsd,
      agentsConnected: st.connected,
      ...(leadership ? { leader: { replica: leadership.replica, leading: leadership.role === 'leader' } } : {}),
      teams: teamSpends(store, records, now(), false).map((t) => ({
        team: t.team,
        spendMonthUsd: t.monthToDate,
        spendRateUsdPerHour: t.ratePerHour,
        monthlyBudgetUsd: t.monthlyBudget,
      })),
    };
  });
  return metrics;
}
