// GET /: the dashboard, rendered on the server from the same data as /api/status.
import type { RouteModule } from '../http/app-context';
import { statusInstanceJson } from '../http/instance-json';
import { DashboardPage } from '../dashboard/page';
import type { Savings } from '../report/savings';
import type { SampleSummary } from '../domain/sample';
import type { CsrfTokens } from './dashboard-actions';

/** Sparklines cover this long, in this many points; only the first instances get one (it reads their samples). */
const SPARK_HOURS = 3;
const SPARK_POINTS = 60;
const SPARK_MAX_INSTANCES = 300;

export function sparklinePoints(samples: readonly SampleSummary[], from: number, to: number, points = SPARK_POINTS): (number | null)[] {
  const width = (to - from) / points;
  const out: (number | null)[] = new Array(points).fill(null);
  for (const s of samples) {
    const i = Math.floor((s.t1 - from) / width);
    if (i < 0 || i >= points || s.utilMax === null) continue;
    // The highest known reading of the bucket; a bucket with only unknown readings stays null and breaks the line
    // (drawn as a gap, never as 0 %).
    out[i] = Math.max(out[i] ?? 0, s.utilMax);
  }
  return out;
}

export interface DashboardRouteOptions {
  threshold: number;
  dryRun: boolean;
  refreshSeconds?: number;
  /** Page tokens for the buttons; without it the page is read-only. */
  csrf?: CsrfTokens;
  /** Per-instance policy lines (name/label markers) for the policy column. */
  policyLines?: (r: import('../store').InstanceRecord) => readonly string[];
}

export function dashboardRoute(opts: DashboardRouteOptions): RouteModule {
  return (app, ctx) => {
    app.get('/', (c) => {
      const now = ctx.now();
      const records = ctx.store.listInstances().filter((r) => r.state !== 'deleted' || (r.lastInventoryAt ?? 0) > now - 24 * 3_600_000);
      const instances = records.map((r) => statusInstanceJson(r, ctx.store.lastSample(r.id), ctx.view.instance(r, now), now, ctx.staleAfterMs));
      const sparklines = new Map<string, (number | null)[]>();
      const from = now - SPARK_HOURS * 3_600_000;
      for (const r of records.slice(0, SPARK_MAX_INSTANCES)) {
        const samples = ctx.store.recentSamples(r.id, from);
        // A young instance's line spans its own data, not three mostly empty hours.
        const start = samples.length > 0 ? Math.max(from, Math.min(samples[0]!.t0, now - 60_000)) : from;
        // At least two report intervals per point, so a steady stream draws a line rather than dots.
        const interval = samples.length > 0 ? Math.max(1000, samples[samples.length - 1]!.t1 - samples[samples.length - 1]!.t0) : 1;
        const points = Math.max(2, Math.min(SPARK_POINTS, Math.floor((now - start) / (2 * interval))));
        sparklines.set(r.id, sparklinePoints(samples, start, now, points));
      }
      const actions = ctx.store.listActions({ limit: 50 }).map((a) => ({
        instanceId: a.instanceId,
        kind: a.kind,
        status: a.status,
        reason: a.reason,
        at: new Date(a.updatedAt).toISOString(),
      }));
      const savings = ctx.view.savings(now) as unknown as Savings;
      const holds = new Map<string, number>();
      for (const h of ctx.store.listHolds()) if (h.until > now) holds.set(h.instanceId, h.until);
      const policies = new Map<string, readonly string[]>();
      if (opts.policyLines) for (const r of records) policies.set(r.id, opts.policyLines(r));
      return c.html(
        '<!doctype html>' +
          String(
            <DashboardPage
              instances={instances}
              sparklines={sparklines}
              actions={actions}
              savings={savings}
              now={now}
              threshold={opts.threshold}
              dryRun={opts.dryRun}
              refreshSeconds={opts.refreshSeconds}
              csrfToken={opts.csrf?.issue(now)}
              holds={holds}
              policies={policies}
            />,
          ),
      );
    });
  };
}
