// The dashboard page: fleet table, savings, audit log. Server-rendered Hono JSX, no front-end build; refreshes itself.
import type { Savings } from '../savings/savings';
import { compactDuration } from '../../../protocol/duration-text';
import type { StatusInstanceView } from '../views/status-table';
import { SavingsBreakdown } from './savings-breakdown';
import { instanceAnchor } from '../notify/messages';
import { raw } from 'hono/html';
import { Sparkline } from './sparkline';
import { STYLES } from './styles';

export interface DashboardAction {
  instanceId: string;
  kind: string;
  status: string;
  reason: string;
  at: string;
  /** Audit rows the line stands for (repeated pause warnings are one line); absent or 1: one row. */
  rows?: number;
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
  /** The page token the buttons send (x-csrf-token); no buttons without it. */
  csrfToken?: string;
  /** URL of the buttons' script (versioned so it is cached across refreshes). */
  scriptPath?: string;
  /** Active holds: instance id -> until (epoch ms). */
  holds?: ReadonlyMap<string, number>;
  /** Per-instance policy lines (e.g. `idle window 2 h (name [idle=2h])`), by instance id. */
  policies?: ReadonlyMap<string, readonly string[]>;
  /** The team and owner filter (docs/owners.md): kept in the URL (?team=&owner=), so the refresh keeps it too. */
  filter?: DashboardFilter;
}

export interface DashboardFilter {
  team: string | null;
  owner: string | null;
  teams: readonly string[];
  owners: readonly string[];
}

function FilterForm({ f }: { f: DashboardFilter }) {
  const select = (name: 'team' | 'owner', value: string | null, options: readonly string[]) => (
    <select name={name} id={`filter-${name}`}>
      <option value="">all</option>
      {options.map((o) => (
        <option value={o} selected={o === value}>
          {o}
        </option>
      ))}
    </select>
  );
  return (
    <form method="get" action="/" class="filter">
      <label for="filter-team">Team</label> {select('team', f.team, f.teams)} <label for="filter-owner">Owner</label> {select('owner', f.owner, f.owners)}{' '}
      <button type="submit">Filter</button>
      {(f.team !== null || f.owner !== null) && <a href="/">clear</a>}
    </form>
  );
}

const money = (x: number) => `$${x.toFixed(x !== 0 && Math.abs(x) < 1 ? 3 : 2)}`;

const hhmm = (t: number) => new Date(t).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (v: string) => v.replace(/[&<>"']/g, (c) => ESC[c]!);

/** Resume, hold 2 h / 8 h and release: sent by /ui/dashboard.js as JSON with the page token. */
function actButtonsHtml(i: StatusInstanceView, heldUntil: number | undefined): string {
  const live = i.state !== 'deleted';
  const btn = (act: string, label: string, enabled: boolean, hours?: number) =>
    `<button type="button" data-act="${act}"${hours === undefined ? '' : ` data-hours="${hours}"`} data-enabled="${enabled}"${enabled ? '' : ' disabled'}>${label}</button>`;
  return (
    `<div class="acts">${btn('resume', 'Resume', i.state === 'stopped')}${btn('hold', 'Hold 2 h', live, 2)}${btn('hold', 'Hold 8 h', live, 8)}` +
    `${btn('release', 'Release', heldUntil !== undefined)}<span class="act-msg">${heldUntil !== undefined ? `held until ${esc(hhmm(heldUntil))}` : ''}</span></div>`
  );
}

/**
 * One fleet row as an HTML string. A string per row, not JSX: at 1,000 instances the JSX tree and its garbage cost
 * most of the page's time (bench/dashboard.ts). Every value from outside goes through esc().
 */
function fleetRowHtml(i: StatusInstanceView, p: DashboardProps): string {
  const held = p.holds?.get(i.id);
  const gpu = i.gpuName ? `${i.numGpus > 1 ? `${i.numGpus}x ` : ''}${i.gpuName}` : '-';
  const now = i.lastSample ? (i.lastSample.util === null ? 'unknown' : `${i.lastSample.util.toFixed(0)}%`) : '-';
  const policy = (p.policies?.get(i.id) ?? []).join('; ') || 'default';
  return (
    `<tr id="${esc(instanceAnchor(i.id))}" data-instance="${esc(i.id)}" data-state="${esc(i.state)}" data-held="${held !== undefined}">` +
    `<td><div class="id">${esc(i.id)}</div><div class="sub">${esc(i.name)}</div></td>` +
    `<td><span class="state state-${esc(i.state)}">${i.state === 'stopped' ? 'paused' : esc(i.state)}</span></td>` +
    `<td>${esc(gpu)}</td>` +
    `<td>${String(<Sparkline points={p.sparklines.get(i.id) ?? []} threshold={p.threshold} />)}</td>` +
    `<td><div>${now}</div>${i.lastSample && engineText(i.lastSample) !== '' ? `<div class="sub engines">${esc(engineText(i.lastSample))}</div>` : ''}</td><td>${esc(i.metricSource)}</td>` +
    `<td>${i.idleSince ? esc(compactDuration(p.now - Date.parse(i.idleSince))) : '-'}</td>` +
    `<td title="${esc(i.nextAction?.reason ?? '')}">${esc(nextActionText(i, p.now))}</td>` +
    `<td>${i.pricePerHour === null ? '-' : i.pricePerHour.toFixed(2)}</td>` +
    `<td class="policy">${esc(policy)}</td>` +
    (p.csrfToken ? `<td>${actButtonsHtml(i, held)}</td>` : '') +
    '</tr>'
  );
}

function nextActionText(i: StatusInstanceView, now: number): string {
  if (i.protected) return 'protected';
  if (!i.nextAction) return '-';
  const at = i.nextAction.at ? Date.parse(i.nextAction.at) : NaN;
  return `${i.nextAction.kind}${Number.isFinite(at) ? (at <= now ? ' now' : ` in ${compactDuration(at - now)}`) : ''}`;
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
        {p.csrfToken && <meta name="csrf-token" content={p.csrfToken} />}
        <title>Cost Optimizer</title>
        <style>{STYLES}</style>
      </head>
      <body>
        <header>
          <h1>Cost Optimizer</h1>
          {p.dryRun && <span class="badge dry">DRY RUN: nothing is acted on</span>}
        </header>
        {p.filter && <FilterForm f={p.filter} />}
        <section class="cards">
          <div class="card">
            <div class="label">Saved so far</div>
            <div class="value" id="saved-total">
              {money(p.savings.totalUsd)}
            </div>
          </div>
          <div class="card">
            <div class="label">Monthly projection</div>
            <div class="value" id="saved-monthly">
              {money(p.savings.monthlyProjectionUsd)}
            </div>
          </div>
          <div class="card">
            <div class="label">Instances</div>
            <div class="value">
              {p.instances.length}{' '}
              <small>
                ({running} running, {paused} paused)
              </small>
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
                <th>Policy</th>
                {p.csrfToken && <th>Keep / resume</th>}
              </tr>
            </thead>
            <tbody>{raw(p.instances.map((i) => fleetRowHtml(i, p)).join(''))}</tbody>
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
                  <td>
                    {a.kind}
                    {(a.rows ?? 1) > 1 && <span class="repeat"> ×{a.rows}</span>}
                  </td>
                  <td>
                    <span class={`status status-${a.status}`}>{a.status}</span>
                  </td>
                  <td>{a.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {p.csrfToken && <script src={p.scriptPath ?? '/ui/dashboard.js'} defer></script>}
        <footer>
          Updated {new Date(p.now).toISOString().replace('T', ' ').slice(0, 19)} UTC, refreshes every {p.refreshSeconds ?? 15} s.
        </footer>
      </body>
    </html>
  );
}

/**
 * The other engines and the temperature under the SM figure: `enc 100% · dec 0% · 2 enc sessions · 45°C`. Engines
 * the GPU does not report are left out; JPEG and optical flow only when in use (rare; they would crowd the cell).
 */
export function engineText(s: {
  engines?: Partial<Record<'enc' | 'dec' | 'jpeg' | 'ofa' | 'encSessions', { max: number }>>;
  tempC?: number | null;
  host?: { netMBs: number | null; diskMBs: number | null; cpuPct: number | null };
  inhibit?: { why: string; pid: number | null; since: string | null };
}): string {
  const e = s.engines ?? {};
  const parts: string[] = [];
  if (e.enc) parts.push(`enc ${e.enc.max.toFixed(0)}%`);
  if (e.dec) parts.push(`dec ${e.dec.max.toFixed(0)}%`);
  if (e.jpeg && e.jpeg.max > 0) parts.push(`jpeg ${e.jpeg.max.toFixed(0)}%`);
  if (e.ofa && e.ofa.max > 0) parts.push(`ofa ${e.ofa.max.toFixed(0)}%`);
  if (e.encSessions && e.encSessions.max > 0) parts.push(`${e.encSessions.max.toFixed(0)} enc session${e.encSessions.max === 1 ? '' : 's'}`);
  if (s.tempC !== undefined && s.tempC !== null) parts.push(`${s.tempC.toFixed(0)}°C`);
  // Work the GPU cannot see: the host's figures, and an inhibition in force.
  const fig = (v: number | null, unit: string) => (v === null ? '?' : `${v >= 10 ? v.toFixed(0) : v.toFixed(1)}${unit}`);
  if (s.host) parts.push(`net ${fig(s.host.netMBs, ' MB/s')} · disk ${fig(s.host.diskMBs, ' MB/s')} · CPU ${fig(s.host.cpuPct, '%')}`);
  if (s.inhibit) parts.push(`inhibited by '${s.inhibit.why}'${s.inhibit.pid === null ? '' : ` (pid ${s.inhibit.pid})`}`);
  return parts.join(' · ');
}
