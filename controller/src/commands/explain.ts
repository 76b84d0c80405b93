// `cost-optimizer explain <instance-id> [--json] [--url URL]`: why an instance is or is not being paused/deleted.
import { stripControl } from '../../../protocol/untrusted-text';
import { ApiError, cliAdminToken, controllerUrl, getJson, localPin, readFlags } from './api-client';
import { attributionLines } from '../engine/attribution';
import { type Command, EXIT, wantsHelp } from './command';
import { loadConfigOrReport } from './config-or-exit';

const HELP = `Usage: cost-optimizer explain <instance-id> [--json] [--url URL]

Asks the running controller why this instance is or is not being paused or deleted, with the figures: window,
samples counted, max utilization, gaps, idle since, protection, hold, age and the next action. --json prints
GET /api/instances/<id> as is.
`;

interface LastSample {
  host?: { netMBs?: unknown; diskMBs?: unknown; cpuPct?: unknown };
  inhibit?: { why?: unknown; pid?: unknown; since?: unknown };
  util?: number | null;
  tempC?: number | null;
  engines?: Partial<Record<'enc' | 'dec' | 'jpeg' | 'ofa' | 'encSessions', { max?: unknown; gpu?: unknown }>>;
}

const ENGINE_NAMES = [
  ['enc', 'encoder', ' %'],
  ['dec', 'decoder', ' %'],
  ['jpeg', 'JPEG', ' %'],
  ['ofa', 'optical flow', ' %'],
  ['encSessions', 'encoder sessions', ''],
] as const;

/** Every engine's figure in the latest sample (busiest GPU each): `SM 8 %, encoder 100 % on GPU 0, ...`; null without one. */
export function engineFigures(s: LastSample | null | undefined): string | null {
  if (!s) return null;
  const parts = [`SM ${typeof s.util === 'number' ? `${s.util} %` : 'unknown'}`];
  for (const [k, label, unit] of ENGINE_NAMES) {
    const e = s.engines?.[k];
    if (!e || typeof e.max !== 'number') continue;
    parts.push(`${label} ${e.max}${unit}${typeof e.gpu === 'number' && e.max > 0 ? ` on GPU ${e.gpu}` : ''}`);
  }
  if (s.engines === undefined) parts.push('other engines not reported');
  if (typeof s.tempC === 'number') parts.push(`${s.tempC} °C`);
  return parts.join(', ');
}

/** The host's figures in the latest sample: `network 62 MB/s, disk 0 MB/s, CPU 3 %; inhibited by 'x' (pid 1)`; null without. */
export function hostFigures(s: LastSample | null | undefined): string | null {
  if (!s || (s.host === undefined && s.inhibit === undefined)) return null;
  const f = (v: unknown, unit: string) => (typeof v === 'number' ? `${Math.round(v * 10) / 10}${unit}` : 'unknown');
  const parts: string[] = [];
  if (s.host) parts.push(`network ${f(s.host.netMBs, ' MB/s')}, disk ${f(s.host.diskMBs, ' MB/s')}, CPU ${f(s.host.cpuPct, ' %')}`);
  if (s.inhibit && typeof s.inhibit.why === 'string')
    parts.push(`inhibited by '${stripControl(s.inhibit.why)}'${typeof s.inhibit.pid === 'number' ? ` (pid ${s.inhibit.pid})` : ''}`);
  return parts.join('; ');
}

export const explainCommand: Command = {
  name: 'explain',
  summary: 'why an instance is or is not being paused/deleted, with figures',
  help: HELP,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.stdout(HELP);
      return EXIT.ok;
    }
    const flags = readFlags(args);
    if (flags.error || flags.rest.length !== 1) {
      io.stderr(`cost-optimizer explain: ${flags.error ?? 'expected one instance id'}; see cost-optimizer explain --help\n`);
      return EXIT.usage;
    }
    const id = flags.rest[0]!;
    const config = loadConfigOrReport(io);
    if (config === null) return EXIT.usage;
    try {
      const body = (await getJson(controllerUrl(config, flags.url), `/api/instances/${encodeURIComponent(id)}`, cliAdminToken(config), localPin(config))) as {
        explanation?: { text?: string; decidedAt?: string } | null;
        instance?: {
          agent?: { health?: { state: string; message?: string } | null } | null;
          lastSample?: LastSample | null;
          owner?: string | null;
          ownerFrom?: string | null;
          team?: string | null;
          teamFrom?: string | null;
        };
      };
      if (flags.json) {
        io.stdout(JSON.stringify(body, null, 2) + '\n');
        return EXIT.ok;
      }
      const text = body.explanation?.text;
      // The explanation quotes names and agent messages: each line is cleaned of terminal control, line breaks kept.
      const clean = (s: string) => s.split('\n').map(stripControl).join('\n');
      io.stdout(clean(typeof text === 'string' ? text : `no explanation available for ${id} yet (the engine has not seen it)`) + '\n');
      // The view shows the last cycle's decision (docs/api.md): when it was made, as later samples count from the next.
      const at = body.explanation?.decidedAt;
      if (typeof at === 'string') io.stdout(clean(`decided at:     ${at}`) + '\n');
      const engines = engineFigures(body.instance?.lastSample);
      if (engines !== null) io.stdout(clean(`last sample:    ${engines}`) + '\n');
      // Who it belongs to and where that came from (docs/owners.md).
      const inst = body.instance;
      if (inst && 'owner' in inst) {
        for (const line of attributionLines({
          owner: inst.owner ?? null,
          ownerFrom: inst.ownerFrom ?? null,
          team: inst.team ?? null,
          teamFrom: inst.teamFrom ?? null,
        }))
          io.stdout(clean(line) + '\n');
      }
      const host = hostFigures(body.instance?.lastSample);
      if (host !== null) io.stdout(clean(`host activity:  ${host}`) + '\n');
      const health = body.instance?.agent?.health;
      if (health && health.state === 'error') io.stdout(`last reported error: ${stripControl(String(health.message ?? 'unknown'))}\n`);
      return EXIT.ok;
    } catch (err) {
      io.stderr(`cost-optimizer explain: ${err instanceof ApiError ? (err.status === 404 ? `no instance "${id}"` : err.message) : String(err)}\n`);
      return EXIT.failure;
    }
  },
};
