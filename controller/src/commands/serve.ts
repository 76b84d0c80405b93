// `cost-optimizer serve`: the controller daemon (what the systemd unit runs). Stops gracefully on SIGTERM/SIGINT.
import { redactConfig } from '../config/config';
import { controllerLogger, errorMessage } from '../log';
import { startController } from '../compose/start-controller';
import { type Command, EXIT, wantsHelp } from './command';
import { loadConfigOrReport } from './config-or-exit';
import { VERSION } from '../version';

/** Exit status when the loop watchdog fires (EX_SOFTWARE); systemd's Restart=on-failure restarts the unit. */
export const EXIT_LOOP_STALLED = 70;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the controller daemon (HTTP API, agent ingest, engine)',
  help: `Usage: cost-optimizer serve

Runs the controller: HTTP API and dashboard, the /agent WebSocket endpoint, inventory and decisions.
Configuration comes from the environment or a .env file in the working directory (see README).
Logs "listening on http(s)://HOST:PORT" once ready (PORT=0 picks a free port). SIGHUP applies DIRECTORY_FILE again. SIGTERM or SIGINT stops it
gracefully: received batches are committed and acknowledged, agents are told the server is going away.
`,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.stdout(this.help);
      return EXIT.ok;
    }
    if (args.length > 0) {
      io.stderr(`cost-optimizer serve: unexpected argument "${args[0]}"; see cost-optimizer serve --help\n`);
      return EXIT.usage;
    }
    // No notes: under systemd the service user cannot read the root-only env file, and need not (systemd did).
    const config = loadConfigOrReport(io, { notes: false });
    if (config === null) return EXIT.usage;
    const logger = controllerLogger(config);
    logger.info(`cost-optimizer ${VERSION} starting; config ${JSON.stringify(redactConfig(config))}`);
    let server;
    try {
      // A stalled loop (docs/health.md): exit non-zero at once, without the graceful close that would wait on it.
      server = await startController(config, { logger, onLoopStall: () => process.exit(EXIT_LOOP_STALLED) });
    } catch (err) {
      logger.error('start-up failed', err);
      io.stderr(`cost-optimizer: cannot start: ${errorMessage(err)}\n`);
      return EXIT.failure;
    }
    logger.info(`listening on ${server.url}`);
    const running = server;
    return new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) {
          logger.warn(`${signal} again: exiting without waiting`);
          process.exit(EXIT.failure);
        }
        stopping = true;
        process.off('SIGHUP', hup);
        logger.info(`${signal} received: shutting down`);
        running.close().then(
          () => {
            logger.info('stopped');
            resolve(EXIT.ok);
          },
          (err) => {
            logger.error('shutdown failed', err);
            resolve(EXIT.failure);
          },
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      // SIGHUP: apply DIRECTORY_FILE again (docs/owners.md); without one, a line saying there is nothing to reload.
      const hup = () => {
        if (running.config.directoryFile === null) logger.info('SIGHUP received: no DIRECTORY_FILE to reload');
        else running.reloadDirectory();
      };
      process.on('SIGHUP', hup);
    });
  },
};
