// The dashboard page: fleet table, savings, audit log. Server-rendered Hono JSX, no front-end build; refreshes itself.
import type { Savings } from '../report/savings';
import { formatDuration, type StatusInstanceView } from '../report/status-table';
import { SavingsBreakdown } from './savings-breakdown';
import { Sparkline } from './sparkline';
import { STYLES } from './styles';

export interface DashboardAction {
  instanceId: string;
  kind: string;
  status: string;
  reason: string;
  at: string;
}

export interface DashboardProps {
  instances: readonly StatusInstanceView[];
  sparklines: ReadonlyMap<string, readonly (number | null)[]>;
  actions: readonly DashboardAction[];
  savings: Savings;
  now: number;
  threshold: number;
  dryRun: boolean;
  refreshSeconds?: number;
}

const money = (x: number) => `$${x.toFixed(x !== 0 && Math.abs(x) < 1 ? 3 : 2)}`;

function nextActionText(i: StatusInstanceView, now: number): string {
  if (i.protected) return 'protected';
  if (!i.nextAction) return '-';
  const at = i.nextAction.at ? Date.parse(i.nextAction.at) : NaN;
  return `${i.nextAction.kind}${Number.isFinite(at) ? (at <= now ? ' now' : ` in ${formatDuration(at - now)}`) : ''}`;
}

export function DashboardPage(p: DashboardProps) {
  const running = p.instances.filter((i) => i.state === 'running').length;
  const paused = p.instances.filter((i) => i.state === 'stopped').length;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta http-equiv="refresh" content={String(p.refreshSeconds ?? 15)} />
        <link rel="icon" href="data:," />
        <title>Cost Optimizer</title>
        <style>{STYLES}</style>
      </head>
      <body>
        <header>
          <h1>Cost Optimizer</h1>
          {p.dryRun && <span class="badge dry">DRY RUN: nothing is acted on</span>}
        </header>
        <section class="cards">
          <div class="card">
            <div class="label">Saved so far</div>
            <div class="value" id="saved-total">{money(p.savings.totalUsd)}</div>
          </div>
          <div class="card">
            <div class="label">Monthly projection</div>
            <div class="value" id="saved-monthly">{money(p.savings.monthlyProjectionUsd)}</div>
          </div>
          <div class="card">
            <div class="label">Instances</div>
            <div class="value">
              {p.instances.length} <small>({running} running, {paused} paused)</small>
            </div>
          </div>
          <div class="card">
            <div class="label">Actions</div>
            <div class="value">
              {p.savings.pauses} <small>pauses</small> {p.savings.deletes} <small>deletes</small>
            </div>
          </div>
        </section>
        <SavingsBreakdown savings={p.savings} />
        <h2>Fleet</h2>
        <div class="scroll">
          <table id="fleet">
            <thead>
              <tr>
                <th>Instance</th>
                <th>State</th>
                <th>GPU</th>
                <th>Utilization (last hours)</th>
                <th>Now</th>
                <th>Source</th>
                <th>Idle for</th>
                <th>Next action</th>
                <th>$/h</th>
              </tr>
            </thead>
            <tbody>
              {p.instances.map((i) => (
                <tr data-instance={i.id} data-state={i.state}>
                  <td>
                    <div class="id">{i.id}</div>
                    <div class="sub">{i.name}</div>
                  </td>
                  <td>
                    <span class={`state state-${i.state}`}>{i.state === 'stopped' ? 'paused' : i.state}</span>
                  </td>
                  <td>{i.gpuName ? `${i.numGpus > 1 ? `${i.numGpus}x ` : ''}${i.gpuName}` : '-'}</td>
                  <td>
                    <Sparkline points={p.sparklines.get(i.id) ?? []} threshold={p.threshold} />
                  </td>
                  <td>
                    <div>{i.lastSample ? (i.lastSample.util === null ? 'unknown' : `${i.lastSample.util.toFixed(0)}%`) : '-'}</div>
                    {i.lastSample && engineText(i.lastSample) !== '' ? <div class="sub engines">{engineText(i.lastSample)}</div> : ''}
                  </td>
                  <td>{i.metricSource}</td>
                  <td>{i.idleSince ? formatDuration(p.now - Date.parse(i.idleSince)) : '-'}</td>
                  <td title={i.nextAction?.reason ?? ''}>{nextActionText(i, p.now)}</td>
                  <td>{i.pricePerHour === null ? '-' : i.pricePerHour.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <h2>Audit log</h2>
        <div class="scroll">
          <table id="actions">
            <thead>
              <tr>
                <th>When</th>
                <th>Instance</th>
                <th>Action</th>
                <th>Result</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {p.actions.map((a) => (
                <tr>
                  <td>{a.at.replace('T', ' ').slice(0, 19)}</td>
                  <td>{a.instanceId}</td>
                  <td>{a.kind}</td>
                  <td>
                    <span class={`status status-${a.status}`}>{a.status}</span>
                  </td>
                  <td>{a.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <footer>Updated {new Date(p.now).toISOString().replace('T', ' ').slice(0, 19)} UTC, refreshes every {p.refreshSeconds ?? 15} s.</footer>
      </body>
    </html>
  );
}

/**
 * The other engines and the temperature under the SM figure: `enc 100% · dec 0% · 2 enc sessions · 45°C`. Engines
 * the GPU does not report are left out; JPEG and optical flow only when in use (rare; they would crowd the cell).
 */
export function engineText(s: { engines?: Partial<Record<'enc' | 'dec' | 'jpeg' | 'ofa' | 'encSessions', { max: number }>>; tempC?: number | null }): string {
  const e = s.engines ?? {};
  const parts: string[] = [];
  if (e.enc) parts.push(`enc ${e.enc.max.toFixed(0)}%`);
  if (e.dec) parts.push(`dec ${e.dec.max.toFixed(0)}%`);
  if (e.jpeg && e.jpeg.max > 0) parts.push(`jpeg ${e.jpeg.max.toFixed(0)}%`);
  if (e.ofa && e.ofa.max > 0) parts.push(`ofa ${e.ofa.max.toFixed(0)}%`);
  if (e.encSessions && e.encSessions.max > 0) parts.push(`${e.encSessions.max.toFixed(0)} enc session${e.encSessions.max === 1 ? '' : 's'}`);
  if (s.tempC !== undefined && s.tempC !== null) parts.push(`${s.tempC.toFixed(0)}°C`);
  return parts.join(' · ');
}
