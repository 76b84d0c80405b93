// `cost-optimizer token create <instance-id>` mints an agent token (printed once, only its hash is kept);
// `cost-optimizer token revoke <instance-id>` revokes every token of an instance.
import { dbPath, instanceIdProblem, openStore } from '../store';
import { errorMessage } from '../log';
import { type Command, EXIT, wantsHelp } from './command';
import { loadConfigOrReport } from './config-or-exit';

const HELP = `Usage: cost-optimizer token create <instance-id>
       cost-optimizer token revoke <instance-id>

create  mints an agent token bound to one instance and prints it once on stdout; only its hash is stored.
        The agent with this token can report for that instance and no other.
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
        const token = store.createToken(instanceId, now);
        io.stdout(token + '\n');
        io.stderr(`token for ${instanceId} created; it is shown only this once (set AGENT_TOKEN on the instance)\n`);
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
