// GET /: the dashboard, rendered on the server from the same data as /api/status.
import type { RouteModule } from '../http/app-context';
import { statusInstanceJson } from '../http/instance-json';
import { loadAttributions } from '../owners/attributions';
import { DashboardPage } from './page';
import type { Savings } from '../savings/savings';
import type { SampleSummary } from '../domain/sample';
import { holdActive } from '../domain/hold';
import { type SparkSeries, SparklineCache } from './sparkline-cache';
import { auditLines } from '../dashboard/audit-groups';
import { type CsrfTokens, dashboardScriptPath } from './dashboard-actions';
import { ROUTES } from '../http-shared/route-table';

/** Sparklines cover this long, in this many points; only the first instances get one (it reads their samples). */
const SPARK_HOURS = 3;
const SPARK_POINTS = 60;
const SPARK_MAX_INSTANCES = 300;

export function sparklinePoints(samples: readonly SampleSummary[], from: number, to: number, points = SPARK_POINTS): (number | null)[] {
  return seriesPoints({ t0: samples.map((s) => s.t0), t1: samples.map((s) => s.t1), util: samples.map((s) => s.utilMax), start: 0 }, from, to, points);
}

function seriesPoints(s: SparkSeries, from: number, to: number, points: number): (number | null)[] {
  const width = (to - from) / points;
  const out: (number | null)[] = new Array(points).fill(null);
  for (let k = s.start; k < s.t1.length; k++) {
    const i = Math.floor((s.t1[k]! - from) / width);
    const u = s.util[k]!;
    if (i < 0 || i >= points || u === null) continue;
    // The highest known reading of the bucket; a bucket with only unknown readings stays null and breaks the line
    // (drawn as a gap, never as 0 %).
    out[i] = Math.max(out[i] ?? 0, u);
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
  const scriptPath = dashboardScriptPath();
  const cache = new SparklineCache();
  return (app, ctx) => {
    app.get(ROUTES.dashboard.path, (c) => {
      const now = ctx.now();
      const who = loadAttributions(ctx.store);
      // The team and owner filter, kept in the URL (docs/owners.md); an empty value means all.
      const team = c.req.query('team') || null;
      const owner = c.req.query('owner') || null;
      const shown = ctx.store.listInstances().filter((r) => r.state !== 'deleted' || (r.lastInventoryAt ?? 0) > now - 24 * 3_600_000);
      const teams = new Set(ctx.store.directory.listTeams().map((t) => t.name));
      const owners = new Set(ctx.store.directory.listOwners().map((o) => o.name));
      for (const r of shown) {
        const a = who.of(r);
        if (a.team !== null) teams.add(a.team);
        if (a.owner !== null) owners.add(a.owner);
      }
      const records = shown.filter((r) => {
        const a = who.of(r);
        return (team === null || a.team === team) && (owner === null || a.owner === owner);
      });
      const filter = { team, owner, teams: [...teams].sort(), owners: [...owners].sort() };
      const views = ctx.view.instances?.(records, now) ?? records.map((r) => ctx.view.instance(r, now));
      const instances = records.map((r, k) => statusInstanceJson(r, ctx.store.lastSample(r.id), views[k]!, now, ctx.staleAfterMs, who.of(r)));
      const sparklines = new Map<string, (number | null)[]>();
      const from = now - SPARK_HOURS * 3_600_000;
      const drawn = records.slice(0, SPARK_MAX_INSTANCES);
      for (const r of drawn) {
        const s = cache.series(r.id, from, now, (since) => ctx.store.recentSamples(r.id, since));
        const n = s.t1.length;
        // A young instance's line spans its own data, not three mostly empty hours.
        const start = n > s.start ? Math.max(from, Math.min(s.t0[s.start]!, now - 60_000)) : from;
        // At least two report intervals per point, so a steady stream draws a line rather than dots.
        const interval = n > s.start ? Math.max(1000, s.t1[n - 1]! - s.t0[n - 1]!) : 1;
        const points = Math.max(2, Math.min(SPARK_POINTS, Math.floor((now - start) / (2 * interval))));
        sparklines.set(r.id, seriesPoints(s, start, now, points));
      }
      cache.retain(new Set(drawn.map((r) => r.id)));
      // An instance's repeated pause warnings are one line (dashboard/audit-groups.ts): read past them for 50 lines.
      const actions = auditLines(ctx.store.listActions({ limit: 500 }), now, 50);
      const savings = ctx.view.savings(now) as unknown as Savings;
      const holds = new Map<string, number>();
      for (const h of ctx.store.listHolds()) if (holdActive(h.until, now)) holds.set(h.instanceId, h.until);
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
              scriptPath={scriptPath}
              holds={holds}
              policies={policies}
              filter={filter}
            />,
          ),
      );
    });
  };
}
