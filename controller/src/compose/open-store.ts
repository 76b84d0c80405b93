// The one place the controller's database is opened from its config: DATABASE_URL's PostgreSQL when set, else
// `<DATA_DIR>/cost-optimizer.db`, with the configured retention. serve, run-once, demo, the token and report commands and the library all come through here.
import type { Config } from '../config/config';
import type { Logger } from '../log';
import { dbPath, openStore, type Store } from '../store';

export function openControllerStore(config: Config, logger?: Logger): Store {
  return openStore(config.databaseUrl ?? dbPath(config.dataDir), {
    retentionRawHours: config.retentionRawHours,
    retentionRollupDays: config.retentionRollupDays,
    ...(logger ? { logger } : {}),
  });
}
