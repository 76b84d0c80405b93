// `cost-optimizer token create <instance-id>` mints an agent token (printed once, only its hash is kept);
// `cost-optimizer token revoke <instance-id>` revokes every token of an instance.
import { dbPath, instanceIdProblem, openStore } from '../store';
import { errorMessage, silentLogger } from '../log';
import { ensureSelfSigned, loadCertificate, tlsFilesFor } from '../tls/certificate';
import { installBaseUrl, installLine } from '../tls/install-line';
import { type Command, EXIT, wantsHelp } from './command';
import { loadConfigOrReport } from './config-or-exit';

const HELP = `Usage: cost-optimizer token create <instance-id>
       cost-optimizer token revoke <instance-id>

create  mints an agent token bound to one instance and prints it once on stdout (first line), then the
        complete install command for the host (second line): it checks the controller's key (pin) before
        anything is sent or run. Only the token's hash is stored. The agent with this token can report for
        that instance and no other. The URL in the command is PUBLIC_URL, else this machine's name and PORT.
revoke  revokes every token of the instance; its agent is refused from its next connection on.

Instance ids are <provider>:<provider's id>: vast:123456, tensordock:<uuid>, gcp:<zone>/<name>, manual:<name>.
The database is the one in DATA_DIR (default ./data), shared with a running controller.
`;

export const tokenCommand: Command = {
  name: 'token',
  summary: 'create or revoke agent tokens (token create <instance-id>)',
  help: HELP,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.stdout(HELP);
      return EXIT.ok;
    }
    const [action, instanceId, ...rest] = args;
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
        const token = store.createToken(instanceId, now);
        const baseUrl = installBaseUrl(config, tls);
        io.stdout(token + '\n');
        io.stdout(installLine({ baseUrl, pin, token }) + '\n');
        io.stderr(`token for ${instanceId} created; it is shown only this once. Line 2 installs the agent on the host (run it as root)` +
          `${config.publicUrl === null ? `; it uses ${baseUrl}: set PUBLIC_URL if hosts reach the controller by another name` : ''}\n`);
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
