// `cost-optimizer hold <id> --hours N | --until ISO [--reason TEXT] | --release` and `cost-optimizer release <id>`:
// keep an instance from any pause or delete for a while, or end that early, through the running controller.
import { ApiError, cliAdminToken, controllerUrl, localPin, sendJson } from './api-client';
import { type Command, type CommandIo, EXIT, wantsHelp } from './command';
import { loadConfigOrReport } from './config-or-exit';

const HELP = `Usage: cost-optimizer hold <instance-id> --hours N [--reason TEXT] [--url URL]
       cost-optimizer hold <instance-id> --until 2026-12-01T09:00:00Z [--reason TEXT] [--url URL]
       cost-optimizer hold <instance-id> --release [--url URL]
       cost-optimizer release <instance-id> [--url URL]

A hold keeps the instance from any pause or delete until it ends (at most 366 days); a pause warning already sent
is cancelled. --release (or the release command) ends it now. Recorded in the audit log (actor cli) and announced.
`;

export interface HoldArgs {
  id: string;
  hours: number | null;
  until: string | null;
  reason: string | null;
  release: boolean;
  url: string | null;
}

/** Parses the arguments; an error line when they do not make one clear request. */
export function parseHoldArgs(args: readonly string[], releaseOnly: boolean): HoldArgs | string {
  const out: HoldArgs = { id: '', hours: null, until: null, reason: null, release: releaseOnly, url: null };
  const ids: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const [name, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = () => inline ?? args[++i];
    if (name === '--url' || name === '--hours' || name === '--until' || name === '--reason') {
      const v = value();
      if (v === undefined || v === '') return `${name} needs a value`;
      if (name === '--url') out.url = v;
      else if (name === '--until') out.until = v;
      else if (name === '--reason') out.reason = v;
      else {
        const n = Number(v);
        if (!/^\d+(\.\d+)?$/.test(v) || !(n > 0)) return `--hours: expected a positive number, got "${v}"`;
        out.hours = n;
      }
    } else if (name === '--release' && !releaseOnly && inline === undefined) out.release = true;
    else if (a.startsWith('-')) return `unknown option ${a}`;
    else ids.push(a);
  }
  if (ids.length !== 1) return 'expected one instance id';
  out.id = ids[0]!;
  if (out.release && (out.hours !== null || out.until !== null || out.reason !== null)) return '--release takes no --hours, --until or --reason';
  if (!out.release && (out.hours === null) === (out.until === null)) return 'give exactly one of --hours N or --until ISO (or --release)';
  return out;
}

async function runHold(args: string[], io: CommandIo, releaseOnly: boolean): Promise<number> {
  const cmd = releaseOnly ? 'release' : 'hold';
  if (wantsHelp(args)) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const parsed = parseHoldArgs(args, releaseOnly);
  if (typeof parsed === 'string') {
    io.stderr(`cost-optimizer ${cmd}: ${parsed}; see cost-optimizer hold --help\n`);
    return EXIT.usage;
  }
  const config = loadConfigOrReport(io);
  if (config === null) return EXIT.usage;
  const path = `/api/instances/${encodeURIComponent(parsed.id)}/hold`;
  try {
    const base = controllerUrl(config, parsed.url);
    if (parsed.release) {
      const r = (await sendJson(base, 'DELETE', path, {}, cliAdminToken(config), localPin(config))) as { cleared?: boolean };
      io.stdout(r.cleared ? `hold on ${parsed.id} released; the idle rules apply again\n` : `${parsed.id} had no hold\n`);
    } else {
      const body: Record<string, unknown> = parsed.hours !== null ? { hours: parsed.hours } : { until: parsed.until };
      if (parsed.reason !== null) body['reason'] = parsed.reason;
      const r = (await sendJson(base, 'POST', path, body, cliAdminToken(config), localPin(config))) as { until?: string };
      io.stdout(`${parsed.id} held until ${r.until ?? '?'}: no pause or delete before then\n`);
    }
    return EXIT.ok;
  } catch (err) {
    io.stderr(`cost-optimizer ${cmd}: ${err instanceof ApiError ? err.message : String(err)}\n`);
    return EXIT.failure;
  }
}

export const holdCommand: Command = {
  name: 'hold',
  summary: 'keep an instance from any action (hold <id> --hours N | --until ISO | --release)',
  help: HELP,
  run: (args, io) => runHold(args, io, false),
};

export const releaseCommand: Command = {
  name: 'release',
  summary: 'end the hold on an instance (release <id>)',
  help: HELP,
  run: (args, io) => runHold(args, io, true),
};
