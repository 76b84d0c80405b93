// `cost-optimizer status [--json] [--url URL]`: the fleet table from the running controller.
import { renderStatusTable, type StatusInstanceView } from '../views/status-table';
import { ApiError, cliAdminToken, controllerUrl, getJson, localPin, readFlags } from './api-client';
import { type Command, EXIT, wantsHelp } from './command';
import { loadConfigOrReport } from './config-or-exit';

const HELP = `Usage: cost-optimizer status [--json] [--url URL]

Prints the fleet as the running controller sees it: instance, provider, state, GPU utilization, metric source,
idle time and the next action. --json prints GET /api/status as is. The controller is reached at --url, else at
http(s)://HOST:PORT from the configuration (--env-file PATH, else /etc/cost-optimizer/controller.env when readable,
else .env), trusting the controller's own key by its pin, with ADMIN_TOKEN or DATA_DIR/admin-token.
`;

export const statusCommand: Command = {
  name: 'status',
  summary: 'fleet table: state, GPU util, idle for, next action (--json)',
  help: HELP,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.stdout(HELP);
      return EXIT.ok;
    }
    const flags = readFlags(args);
    if (flags.error || flags.rest.length > 0) {
      io.stderr(`cost-optimizer status: ${flags.error ?? `unexpected argument "${flags.rest[0]}"`}; see cost-optimizer status --help\n`);
      return EXIT.usage;
    }
    const config = loadConfigOrReport(io);
    if (config === null) return EXIT.usage;
    try {
      const body = (await getJson(controllerUrl(config, flags.url), '/api/status', cliAdminToken(config), localPin(config))) as {
        instances?: StatusInstanceView[];
        savings?: Record<string, unknown>;
      };
      if (flags.json) {
        io.stdout(JSON.stringify(body, null, 2) + '\n');
        return EXIT.ok;
      }
      const instances = Array.isArray(body.instances) ? body.instances : [];
      io.stdout(instances.length === 0 ? 'no instances known yet\n' : renderStatusTable(instances, Date.now()));
      const s = body.savings ?? {};
      if (typeof s['totalUsd'] === 'number')
        io.stdout(
          `\nsaved so far: $${(s['totalUsd'] as number).toFixed(2)}; projected per month at the current rate: $${Number(s['monthlyProjectionUsd'] ?? 0).toFixed(2)}\n`,
        );
      return EXIT.ok;
    } catch (err) {
      io.stderr(`cost-optimizer status: ${err instanceof ApiError ? err.message : String(err)}\n`);
      return EXIT.failure;
    }
  },
};
