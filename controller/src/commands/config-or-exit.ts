// Loads the controller configuration for a command (--env-file or the service's file, under the environment); a
// ConfigError becomes the one-line message the README promises.
import type { Config } from '../config/config';
import { loadCliConfig } from '../config/load-env';
import { ConfigError } from '../domain/errors';
import { openControllerStore } from '../compose/open-store';
import { errorMessage } from '../log';
import type { Store } from '../store';
import type { CommandIo } from './command';

export function loadConfigOrReport(io: CommandIo, opts: { notes?: boolean } = {}): Config | null {
  try {
    const { config, notes } = loadCliConfig({ envFile: io.envFile ?? null });
    if (opts.notes !== false) for (const note of notes) io.stderr(`cost-optimizer: note: ${note}\n`);
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`cost-optimizer: config error: ${err.message}\n`);
      return null;
    }
    throw err;
  }
}

/** Opens the store (DATABASE_URL, else DATA_DIR) for a command that reads or writes it directly; null after one clear line when it cannot. */
export function openStoreOrReport(config: Config, io: CommandIo, command: string): Store | null {
  try {
    return openControllerStore(config);
  } catch (err) {
    const where = config.databaseUrl !== null ? 'DATABASE_URL' : `in ${config.dataDir}`;
    io.stderr(`cost-optimizer ${command}: cannot open the database ${where}: ${errorMessage(err)}\n`);
    return null;
  }
}
