// Loads the controller configuration for a command; a ConfigError becomes the one-line message the README promises.
import type { Config } from '../config/config';
import { loadConfig } from '../config/load-env';
import { ConfigError } from '../domain/errors';
import { createLogger, type Logger } from '../log';
import type { CommandIo } from './command';

export function loadConfigOrReport(io: CommandIo): Config | null {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`cost-optimizer: config error: ${err.message}\n`);
      return null;
    }
    throw err;
  }
}

/** The logger every command uses: level from config, every configured secret scrubbed from every line. */
export function loggerFor(config: Config): Logger {
  return createLogger({
    level: config.logLevel,
    secrets: [config.adminToken, config.vast?.apiKey, config.tensordock?.apiKey, config.tensordock?.apiToken, config.gcp?.accessToken, config.webhookUrl],
  });
}
