// The controller's logger: the one shared implementation in protocol/log.ts (the agent prints the same lines), and the
// logger every part of a configured controller uses (controllerLogger).
import { type Config, secretsOf } from './config/config';
import { createLogger, type Logger } from '../../protocol/log';

export { type LogLevel, type Logger, type LoggerOptions, createLogger, errorMessage, silentLogger } from '../../protocol/log';

/** The logger every part of the controller uses: level from config, every configured secret scrubbed from every line. */
export function controllerLogger(config: Config): Logger {
  return createLogger({ level: config.logLevel, secrets: secretsOf(config) });
}
