// The one place the controller's database is opened from its config: `<DATA_DIR>/cost-optimizer.db` with the
// configured retention. serve, run-once, demo, the token and report commands and the library all come through here.
import type { Config } from '../config/config';
import type { Logger } from '../log';
import { dbPath, openStore, type Store } from '../store';

export function openControllerStore(config: Config, logger?: Logger): Store {
  return openStore(dbPath(config.dataDir), {
    retentionRawHours: config.retentionRawHours,
    retentionRollupDays: config.retentionRollupDays,
    ...(logger ? { logger } : {}),
  });
}
