// `cost-optimizer run-once`: one inventory + decision + action cycle with the configured providers, then exit.
import { createProvidersFromConfig } from '../providers';
import { controllerLogger, errorMessage } from '../log';
import { CostOptimizer } from '../compose/cost-optimizer';
import { type Command, EXIT, wantsHelp } from './command';
import { loadConfigOrReport } from './config-or-exit';

const HELP = `Usage: cost-optimizer run-once

Runs one cycle (inventory from every configured provider, decide, act) against the database in DATA_DIR and
exits: 0 when the cycle ran (even if an action failed: see the log and the audit log), 1 when it could not run.
Honours DRY_RUN. Without agents or SSH data, instances have no samples and are never paused (missing data is
never idle); stopped instances can still reach the delete rule.
`;

export const runOnceCommand: Command = {
  name: 'run-once',
  summary: 'one inventory + decision + action cycle, then exit',
  help: HELP,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.stdout(HELP);
      return EXIT.ok;
    }
    if (args.length > 0) {
      io.stderr(`cost-optimizer run-once: unexpected argument "${args[0]}"\n`);
      return EXIT.usage;
    }
    const config = loadConfigOrReport(io);
    if (config === null) return EXIT.usage;
    const logger = controllerLogger(config);
    let optimizer: CostOptimizer | null = null;
    try {
      const providers = await createProvidersFromConfig(config, logger);
      if (providers.length === 0) logger.warn('no provider configured (VAST_API_KEY, TENSORDOCK_API_TOKEN, GCP_PROJECT_ID): nothing to do');
      optimizer = new CostOptimizer(config, { logger });
      for (const p of providers) optimizer.addProvider(p.name, p);
      const r = await optimizer.runOnce();
      return r.providers.some((p) => !p.ok) && r.providers.every((p) => !p.ok) ? EXIT.failure : EXIT.ok;
    } catch (err) {
      logger.error('run-once failed', err);
      io.stderr(`cost-optimizer run-once: ${errorMessage(err)}\n`);
      return EXIT.failure;
    } finally {
      await optimizer?.close();
    }
  },
};
