// The SQLite store: re-exports.
export { Store, openStore, type StoreOptions, type SamplesListener } from './store';
export { dbPath, DB_FILE_NAME, type Synchronous } from './open-db';
export { parseInstanceId, instanceIdProblem, PROVIDER_NAMES, type ParsedInstanceId } from './instance-id';
export { FUTURE_TOLERANCE_MS } from './samples-repo';
export { ROLLUP_BUCKET_MS, type RetentionProgress } from './retention';
export type { InventoryResult } from './instances-repo';
export type { ActionQuery, ActionUpdate } from './actions-repo';
export type { StoredGpu } from './gpu-codec';
export type * from './types';
export { startRetention, type RetentionScheduler } from './retention-scheduler';
export { JOIN_TOKEN_ID_SHAPE, type JoinTokenInfo } from './join-tokens-repo';
