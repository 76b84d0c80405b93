// Which metric source an instance is shown as reading from when several report at once (the provider's figure and SSH
// now keep coming while an agent reports, so that a busy reading from any of them can veto a pause).
import type { MetricSource } from '../domain/instance';

/** A better source heard from within this long keeps its place against a worse one: an agent reports every 10 s. */
export const TAKEOVER_GRACE_MS = 120_000;

const RANK: Record<MetricSource, number> = { agent: 0, ssh: 1, provider: 2, none: 3 };

/**
 * True when a sample from `source` ending at `t1` becomes the instance's newest: it is not older than the last one,
 * and it does not come from a worse source than one heard from within TAKEOVER_GRACE_MS.
 */
export function takesOver(cur: { metricSource: MetricSource; lastSampleAt: number | null }, source: MetricSource, t1: number): boolean {
  if (cur.lastSampleAt === null) return true;
  if (t1 < cur.lastSampleAt) return false;
  const worse = (RANK[source] ?? 3) > (RANK[cur.metricSource] ?? 3);
  return !(worse && t1 - cur.lastSampleAt <= TAKEOVER_GRACE_MS);
}
