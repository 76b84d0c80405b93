// Sends the daily digest (DIGEST_HOUR_UTC) through the notifier: checked every minute, at most once a UTC day.
// Teams with a webhook get their own part there. The day last sent is kept in memory: a controller restarted within the digest hour sends it again (rare, harmless).
import type { Logger } from '../log';
import { digestDue, digestText } from './digest';
import type { Notifier } from './webhook-notifier';
import type { Store } from '../store';
import { savingsActions, savingsFromStore } from '../savings/store-savings';
import { loadAttributions } from '../owners/attributions';
import { computeSavings } from '../savings/savings';
import { teamDigestText } from './messages';
import type { ActionRecord } from '../store';

/**
 * Each team with its own webhook gets its part of the digest there (its instances' rows and savings); the global
 * webhook keeps the fleet-wide one (docs/owners.md).
 */
export function sendTeamDigests(o: DigestOptions, rows: readonly ActionRecord[], now: number): number {
  const teams = o.store.directory.listTeams().filter((t) => t.webhook !== null);
  if (teams.length === 0) return 0;
  const who = loadAttributions(o.store);
  const teamOf = new Map(o.store.listInstances().map((r) => [r.id, who.of(r).team]));
  const allSavings = savingsActions(o.store.allSucceededActions(['pause', 'resume', 'delete']));
  const horizon = o.deleteSavingsHorizonDays === undefined ? {} : { deleteHorizonMs: o.deleteSavingsHorizonDays * 86_400_000 };
  for (const t of teams) {
    const mine = rows.filter((r) => teamOf.get(r.instanceId) === t.name);
    const savings = computeSavings(
      allSavings.filter((a) => teamOf.get(a.instanceId) === t.name),
      now,
      horizon,
    );
    o.notifier.notify(teamDigestText(t.name, digestText(mine, savings, now, o.publicUrl)), { team: t.name, teamOnly: true, email: false });
  }
  return teams.length;
}

interface DigestOptions {
  store: Store;
  notifier: Notifier;
  logger: Logger;
  hourUtc: number;
  publicUrl: string | null;
  /** DELETE_SAVINGS_HORIZON_DAYS, so the digest's savings are the dashboard's. */
  deleteSavingsHorizonDays?: number;
  now: () => number;
  everyMs?: number;
  /** Sends only while this is true (replicas on one database: the leader alone sends the digest). */
  when?: () => boolean;
}

export function startDigestJob(o: DigestOptions): () => void {
  let lastDay: string | null = null;
  const tick = () => {
    const now = o.now();
    if (o.when?.() === false || !digestDue(o.hourUtc, now, lastDay)) return;
    lastDay = new Date(now).toISOString().slice(0, 10);
    try {
      const rows = o.store.listActions({ limit: 10_000 }).filter((a) => a.createdAt > now - 24 * 3_600_000);
      o.notifier.notify(digestText(rows, savingsFromStore(o.store, now, o.deleteSavingsHorizonDays), now, o.publicUrl));
      o.logger.info(`daily digest sent (${rows.length} audit rows in the last 24 h)`);
      sendTeamDigests(o, rows, now);
    } catch (err) {
      o.logger.error('daily digest failed', err);
    }
  };
  const timer = setInterval(tick, o.everyMs ?? 60_000);
  timer.unref?.();
  tick();
  return () => clearInterval(timer);
}
