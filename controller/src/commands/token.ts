// `cost-optimizer token create <instance-id>` mints an agent token (printed once, only its hash is kept);
// `cost-optimizer token revoke <instance-id>` revokes every token of an instance; with --join the same for fleet join
// tokens (docs/enrolment.md): `token create --join [--expires-hours N]`, `token revoke --join <id>`, `token list --join`.
import { instanceIdProblem, JOIN_TOKEN_ID_SHAPE, type Store } from '../store';
import { errorMessage, silentLogger } from '../log';
import { nameProblem } from '../owners/directory-entry';
import { ensureSelfSigned, loadCertificate, tlsFilesFor } from '../tls/certificate';
import { installBaseUrl, installLine } from '../tls/install-line';
import { checkCaTrust } from '../tls/ca-trust';
import { isLoopback } from '../config/config';
import { SERVICE_ENV_FILE } from '../config/load-env';
import { type Command, EXIT, wantsHelp } from './command';
import { loadConfigOrReport, openStoreOrReport } from './config-or-exit';

const HELP = `Usage: cost-optimizer token create <instance-id> [--expires-in DURATION]
       cost-optimizer token revoke <instance-id>
       cost-optimizer token create --join [--expires-hours N] [--team NAME]
       cost-optimizer token revoke --join <join-token-id>
       cost-optimizer token list --join

create  mints an agent token bound to one instance and prints it once on stdout (first line), then the
        complete install command for the host (second line): it checks the controller's key (pin) before
        anything is sent or run. Only the token's hash is stored. The agent with this token can report for
        that instance and no other. The URL in the command is PUBLIC_URL, else this machine's name and PORT.
        Run it with the controller's settings (root reads /etc/cost-optimizer/controller.env, or --env-file PATH):
        an https URL it can neither pin nor find a CA-verified certificate on gets no line and no token.
        --expires-in 30d (s, m, h, d): the token is refused after that, and a connection using it closed.
revoke  revokes every token of the instance; a running controller closes its live connection within seconds.

--join  a fleet join token for provider start-up scripts and templates (docs/enrolment.md): an agent started
        with JOIN_TOKEN claims its instance and gets its own agent token when the provider lists that instance as
        running, no agent is connected for it and the claim comes from the instance's public address. Printed
        once on stdout; its id (for revoke and list) on stderr. Revoking stops new enrolments only.
        --team NAME: the instances it enrols belong to that team unless a [team=NAME] marker says otherwise.

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
  summary: 'create or revoke agent tokens (token create <instance-id>) and fleet join tokens (--join)',
  help: HELP,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.stdout(HELP);
      return EXIT.ok;
    }
    if (args.includes('--join'))
      return runJoin(
        args.filter((a) => a !== '--join'),
        io,
      );
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
    const store = openStoreOrReport(config, io, 'token');
    if (store === null) return EXIT.failure;
    try {
      const now = Date.now();
      if (action === 'create') {
        // The pin first: a controller that cannot show its key gets no token minted.
        const tls = tlsFilesFor(config);
        let pin: string | null = null;
        if (tls !== null) {
          try {
            // The controller makes the same pair at start; making it here first lets the line be printed before.
            if (tls.selfSigned) await ensureSelfSigned(tls, silentLogger);
            pin = (await loadCertificate(tls)).pin;
          } catch (err) {
            io.stderr(`cost-optimizer token: cannot read the controller's TLS certificate: ${errorMessage(err)}\n`);
            return EXIT.failure;
          }
        }
        const baseUrl = installBaseUrl(config, tls);
        const problem = await unpinnedLineProblem(baseUrl, pin);
        if (problem !== null && problem.fatal) {
          io.stderr(`cost-optimizer token: ${problem.text}; no token created\n`);
          return EXIT.failure;
        }
        const expiresAt = expiresInMs === null ? null : now + expiresInMs;
        const token = store.createToken(instanceId, now, expiresAt);
        io.stdout(token + '\n');
        io.stdout(installLine({ baseUrl, pin, token }) + '\n');
        if (problem !== null) io.stderr(`cost-optimizer token: note: ${problem.text}\n`);
        io.stderr(
          `token for ${instanceId} created${expiresAt === null ? '' : `, valid until ${new Date(expiresAt).toISOString()}`}; it is shown only this once. Line 2 installs the agent on the host (run it as root)` +
            `${config.publicUrl === null ? `; it uses ${baseUrl}: set PUBLIC_URL if hosts reach the controller by another name` : ''}\n`,
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

const SETTINGS_HINT = `run this with the controller's settings (--env-file ${SERVICE_ENV_FILE}, as a user who can read it)`;

/**
 * Why the install line for `baseUrl` without a pin may fail on a fresh host, null when it will not: an https URL whose
 * certificate no CA vouches for (curl exits 60; fatal: no token is minted for a line that cannot work), one that could
 * not be checked, or a loopback URL no other host reaches.
 */
export async function unpinnedLineProblem(baseUrl: string, pin: string | null): Promise<{ text: string; fatal: boolean } | null> {
  if (pin !== null) return null;
  const loopback = isLoopback(new URL(baseUrl).hostname.replace(/^\[|\]$/g, ''));
  const unreachable = `${baseUrl} is this machine's loopback address, which no other host reaches: ${SETTINGS_HINT}, or set PUBLIC_URL`;
  if (!baseUrl.startsWith('https://')) return loopback ? { text: unreachable, fatal: false } : null;
  const trust = await checkCaTrust(baseUrl);
  const why = `these settings name no certificate of the controller to pin (TLS_CERT_FILE, or the one it makes in DATA_DIR on a public HOST)`;
  if (trust.kind === 'untrusted')
    return { text: `cannot pin ${baseUrl}: ${why}, and its certificate is one curl on a fresh host refuses (${trust.reason}): ${SETTINGS_HINT}`, fatal: true };
  if (loopback) return { text: unreachable, fatal: false };
  if (trust.kind === 'trusted') return null;
  return {
    text: `could not check ${baseUrl} (${trust.reason}); ${why}, so the line works only if that URL shows a certificate a CA vouches for`,
    fatal: false,
  };
}

type Io = Parameters<Command['run']>[1];

/** Opens the store of DATA_DIR for a token command; null (after a clear line) when it cannot. */
function openForTokens(io: Io): Store | null {
  const config = loadConfigOrReport(io);
  if (config === null) return null;
  return openStoreOrReport(config, io, 'token');
}

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

async function runJoin(args: string[], io: Io): Promise<number> {
  const [action, ...restAll] = args;
  let expiresHours: number | null = null;
  let id: string | null = null;
  let team: string | null = null;
  const rest: string[] = [];
  for (let i = 0; i < restAll.length; i++) {
    const a = restAll[i]!;
    if (a === '--team' || a.startsWith('--team=')) {
      const v = a === '--team' ? restAll[++i] : a.slice('--team='.length);
      const problem = v === undefined ? 'needs a team name' : nameProblem(v);
      if (problem !== null || action !== 'create') {
        io.stderr(`cost-optimizer token: --team ${action !== 'create' ? 'goes with "create --join"' : problem}\n`);
        return EXIT.usage;
      }
      team = v!;
    } else rest.push(a);
  }
  if (action === 'create') {
    if (rest.length === 2 && rest[0] === '--expires-hours') {
      const n = Number(rest[1]);
      if (!/^\d+(\.\d+)?$/.test(rest[1]!) || !(n > 0)) {
        io.stderr(`cost-optimizer token: --expires-hours needs a positive number of hours, got "${rest[1]!.slice(0, 40)}"\n`);
        return EXIT.usage;
      }
      expiresHours = n;
    } else if (rest.length !== 0) {
      io.stderr('cost-optimizer token: expected "create --join [--expires-hours N] [--team NAME]"; see cost-optimizer token --help\n');
      return EXIT.usage;
    }
  } else if (action === 'revoke') {
    if (rest.length !== 1 || !JOIN_TOKEN_ID_SHAPE.test(rest[0]!)) {
      io.stderr('cost-optimizer token: expected "revoke --join <id>" with the 12-hex-digit id that create and list show\n');
      return EXIT.usage;
    }
    id = rest[0]!;
  } else if (action !== 'list' || rest.length !== 0) {
    io.stderr('cost-optimizer token: with --join, expected "create", "revoke <id>" or "list"; see cost-optimizer token --help\n');
    return EXIT.usage;
  }
  const store = openForTokens(io);
  if (store === null) return EXIT.failure;
  try {
    const now = Date.now();
    if (action === 'create') {
      const expiresAt = expiresHours === null ? null : Math.round(now + expiresHours * 3_600_000);
      const created = store.createJoinToken(now, expiresAt, team);
      io.stdout(created.token + '\n');
      if (team !== null && store.directory.getTeam(team) === null)
        io.stderr(`note: team ${team} is not in the directory yet (cost-optimizer team set ${team} ...); its instances carry the name anyway\n`);
      io.stderr(
        `fleet join token ${created.id} created${team === null ? '' : ` for team ${team}`}${expiresAt === null ? ' (no expiry)' : `, expires ${iso(expiresAt)}`}; it is shown only this once ` +
          `(set JOIN_TOKEN in the instances' start-up script; revoke with: cost-optimizer token revoke --join ${created.id})\n`,
      );
    } else if (action === 'revoke') {
      const result = store.revokeJoinToken(id!, now);
      if (result === 'unknown') {
        io.stderr(`cost-optimizer token: no join token ${id}\n`);
        return EXIT.failure;
      }
      io.stderr(result === 'revoked' ? `join token ${id} revoked\n` : `join token ${id} was already revoked\n`);
    } else {
      io.stdout('id            created                   expires                   revoked\n');
      for (const t of store.listJoinTokens()) io.stdout(`${t.id}  ${iso(t.createdAt).padEnd(24)}  ${iso(t.expiresAt).padEnd(24)}  ${iso(t.revokedAt)}\n`);
    }
    return EXIT.ok;
  } finally {
    store.close();
  }
}
