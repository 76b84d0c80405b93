// Loads the controller configuration for a command; a ConfigError becomes the one-line message the README promises.
import type { Config } from '../config/config';
import { loadConfig } from '../config/load-env';
import { ConfigError } from '../domain/errors';
import { createLogger, errorMessage, type Logger } from '../log';
import { dbPath, openStore, type Store } from '../store';
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

/** Opens the store in DATA_DIR for a command that reads or writes it directly; null after one clear line when it cannot. */
export function openStoreOrReport(config: Config, io: CommandIo, command: string): Store | null {
  try {
    return openStore(dbPath(config.dataDir), { retentionRawHours: config.retentionRawHours, retentionRollupDays: config.retentionRollupDays });
  } catch (err) {
    io.stderr(`cost-optimizer ${command}: cannot open the database in ${config.dataDir}: ${errorMessage(err)}\n`);
    return null;
  }
}
