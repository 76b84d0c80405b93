// Sends the daily digest (DIGEST_HOUR_UTC) through the notifier: checked every minute, at most once a UTC day.
// The day last sent is kept in memory: a controller restarted within the digest hour sends it again (rare, harmless).
import type { Logger } from '../log';
import { digestDue, digestText } from '../notify/digest';
import type { Notifier } from '../notify/webhook-notifier';
import type { Store } from '../store';
import { savingsFromStore } from './savings-view';

export function startDigestJob(o: {
  store: Store;
  notifier: Notifier;
  logger: Logger;
  hourUtc: number;
  publicUrl: string | null;
  /** DELETE_SAVINGS_HORIZON_DAYS, so the digest's savings are the dashboard's. */
  deleteSavingsHorizonDays?: number;
  now: () => number;
  everyMs?: number;
}): () => void {
  let lastDay: string | null = null;
  const tick = () => {
    const now = o.now();
    if (!digestDue(o.hourUtc, now, lastDay)) return;
    lastDay = new Date(now).toISOString().slice(0, 10);
    try {
      const rows = o.store.listActions({ limit: 10_000 }).filter((a) => a.createdAt > now - 24 * 3_600_000);
      o.notifier.notify(digestText(rows, savingsFromStore(o.store, now, o.deleteSavingsHorizonDays), now, o.publicUrl));
      o.logger.info(`daily digest sent (${rows.length} audit rows in the last 24 h)`);
    } catch (err) {
      o.logger.error('daily digest failed', err);
    }
  };
  const timer = setInterval(tick, o.everyMs ?? 60_000);
  timer.unref?.();
  tick();
  return () => clearInterval(timer);
}
