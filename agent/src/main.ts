// Entry of the agent bundle (dist/agent.js): parse the configuration, run until SIGTERM/SIGINT, exit cleanly.
import './v8-tuning';
import { createLogger, errorMessage } from '../../protocol/log';
import { Agent } from './agent';
import { ConfigError, forgetJoinToken, HELP_TEXT, loadAgentConfig, loadHostPaths } from './config';
import { EnrolError, obtainAgentToken } from './enrol';
import { detectIdentity } from './identity';
import { runInhibit } from './inhibit/inhibit-command';
import { AGENT_VERSION } from './version';

async function main(): Promise<void> {
  if (process.argv[2] === 'inhibit') {
    const status = await runInhibit(process.argv.slice(3), {
      ...loadHostPaths(),
      out: (line) => process.stdout.write(line + '\n'),
      err: (line) => process.stderr.write(line + '\n'),
    });
    process.exit(status);
  }
  let config;
  try {
    config = loadAgentConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`cost-optimizer-agent: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  if (config === 'help') {
    process.stdout.write(`${HELP_TEXT}\nversion ${AGENT_VERSION}\n`);
    return;
  }
  let logger = createLogger({ level: config.logLevel, secrets: [config.token, config.joinToken] });
  let agent: Agent | null = null;
  const enrolling = new AbortController();

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: stopping`);
    if (agent === null) {
      // Still enrolling: nothing to flush.
      enrolling.abort();
      process.exit(0);
    }
    // A stuck shutdown must not keep a service manager waiting forever.
    setTimeout(() => {
      logger.warn('shutdown took too long; exiting');
      process.exit(0);
    }, 8000).unref();
    agent!.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error('error while stopping', e);
        process.exit(0);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // A bug must not leave a half-working agent behind: log it (scrubbed) and exit so the service manager restarts us.
  const fatal = (e: unknown) => {
    logger.error('unexpected error; exiting', e);
    process.exit(1);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);

  let token = config.token;
  if (token === null) {
    // No AGENT_TOKEN: the kept token, or enrol with JOIN_TOKEN (docs/enrolment.md).
    const identity = await detectIdentity({ instanceIdOverride: config.instanceId, vastContainerId: config.vastContainerId, logger });
    try {
      token = await obtainAgentToken({
        controllerUrl: config.controllerUrl,
        controllerUrls: config.controllerUrls,
        joinToken: config.joinToken,
        controllerPin: config.controllerPin,
        stateDir: config.stateDir,
        identity,
        logger,
        signal: enrolling.signal,
      });
    } catch (e) {
      if (!(e instanceof EnrolError)) throw e;
      logger.error(`cannot enrol: ${e.message}`);
      process.exit(2);
    }
    logger = createLogger({ level: config.logLevel, secrets: [token, config.joinToken] });
    forgetJoinToken();
  }
  agent = new Agent({ ...config, token }, { logger });
  await agent.start();
}

main().catch((e: unknown) => {
  process.stderr.write(`cost-optimizer-agent: ${errorMessage(e)}\n`);
  process.exit(1);
});
