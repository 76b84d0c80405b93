// `cost-optimizer token create <instance-id>` mints an agent token (printed once, only its hash is kept);
// `cost-optimizer token revoke <instance-id>` revokes every token of an instance.
import { dbPath, instanceIdProblem, openStore } from '../store';
import { errorMessage } from '../log';
import { type Command, EXIT, wantsHelp } from './command';
import { loadConfigOrReport } from './config-or-exit';

const HELP = `Usage: cost-optimizer token create <instance-id> [--expires-in DURATION]
       cost-optimizer token revoke <instance-id>

create  mints an agent token bound to one instance and prints it once on stdout; only its hash is stored.
        The agent with this token can report for that instance and no other.
        --expires-in 30d (s, m, h, d): the token is refused after that, and a connection using it closed.
revoke  revokes every token of the instance; a running controller closes its live connection within seconds.

Instance ids are <provider>:<provider's id>: vast:123456, tensordock:<uuid>, gcp:<zone>/<name>, manual:<name>.
The database is the one in DATA_DIR (default ./data), shared with a running controller.
`;

/** `30d`, `12h`, `90m`, `3600s` -> ms; null for anything else. */
export function parseDuration(s: string): number | null {
  const m = /^(\d+(?:\.\d+)?)([smhd])$/.exec(s.trim());
  if (!m) return null;
  const ms = Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return ms > 0 && ms <= 3650 * 86_400_000 ? ms : null;
}

export const tokenCommand: Command = {
  name: 'token',
  summary: 'create or revoke agent tokens (token create <instance-id>)',
  help: HELP,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.stdout(HELP);
      return EXIT.ok;
    }
    const positional: string[] = [];
    let expiresInMs: number | null = null;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--expires-in' || a.startsWith('--expires-in=')) {
        const v = a === '--expires-in' ? args[++i] : a.slice('--expires-in='.length);
        expiresInMs = v === undefined ? null : parseDuration(v);
        if (expiresInMs === null) {
          io.stderr(`cost-optimizer token: --expires-in needs a duration such as 30d, 12h, 90m or 3600s\n`);
          return EXIT.usage;
        }
      } else positional.push(a);
    }
    const [action, instanceId, ...rest] = positional;
    if (expiresInMs !== null && action !== 'create') {
      io.stderr(`cost-optimizer token: --expires-in goes with "create"\n`);
      return EXIT.usage;
    }
    if ((action !== 'create' && action !== 'revoke') || instanceId === undefined || rest.length > 0) {
      io.stderr(`cost-optimizer token: expected "create <instance-id>" or "revoke <instance-id>"; see cost-optimizer token --help\n`);
      return EXIT.usage;
    }
    const problem = instanceIdProblem(instanceId);
    if (problem !== null) {
      io.stderr(`cost-optimizer token: invalid instance id "${instanceId.slice(0, 300)}": ${problem}\n`);
      return EXIT.usage;
    }
    const config = loadConfigOrReport(io);
    if (config === null) return EXIT.usage;
    let store;
    try {
      store = openStore(dbPath(config.dataDir), { retentionRawHours: config.retentionRawHours, retentionRollupDays: config.retentionRollupDays });
    } catch (err) {
      io.stderr(`cost-optimizer token: cannot open the database in ${config.dataDir}: ${errorMessage(err)}\n`);
      return EXIT.failure;
    }
    try {
      const now = Date.now();
      if (action === 'create') {
        const expiresAt = expiresInMs === null ? null : now + expiresInMs;
        const token = store.createToken(instanceId, now, expiresAt);
        io.stdout(token + '\n');
        io.stderr(
          `token for ${instanceId} created${expiresAt === null ? '' : `, valid until ${new Date(expiresAt).toISOString()}`}; it is shown only this once (set AGENT_TOKEN on the instance)\n`,
        );
      } else {
        const n = store.revokeTokens(instanceId, now);
        io.stderr(`revoked ${n} token${n === 1 ? '' : 's'} of ${instanceId}\n`);
      }
      return EXIT.ok;
    } finally {
      store.close();
    }
  },
};
