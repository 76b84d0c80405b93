// A library user's partial config (`new CostOptimizer({ pauseThresholdGpu: 5 })`) made whole exactly as from the
// environment: each field is written back under its variable name and parsed by parseConfig, so it is validated and
// the settings derived from others (MAX_GAP_SECONDS from the pause window, the delete warning from the threshold)
// are recomputed instead of kept at the defaults of a different window.
import { type Config, parseConfig } from '../config/config';
import { ConfigError } from '../domain/errors';

type Env = Record<string, string>;

/**
 * The seed's OptimizerConfig spelling (check_interval_seconds in camelCase) beside this library's own: the seed's
 * example config works as written. Its other fields (pause_threshold_gpu, delete_threshold_hours,
 * min_instance_age_hours, protected_instances) already have the same camelCase names here.
 */
export const SEED_ALIASES = { checkIntervalSeconds: 'checkIntervalSec' } as const satisfies Record<string, keyof Config>;

/** What `new CostOptimizer({...})` accepts: any part of a Config, under this library's names or the seed's. */
export type LibraryConfig = Partial<Config> & { [K in keyof typeof SEED_ALIASES]?: Config[(typeof SEED_ALIASES)[K]] };

/** The config with every seed spelling moved to this library's name; both spellings with different values are an error. */
export function withoutSeedAliases(config: LibraryConfig): Partial<Config> {
  const out: Record<string, unknown> = { ...config };
  for (const [alias, field] of Object.entries(SEED_ALIASES)) {
    const given = out[alias];
    delete out[alias];
    if (given === undefined) continue;
    const own = out[field];
    if (own !== undefined && own !== given)
      throw new ConfigError(alias, `${alias} (${String(given)}) and ${field} (${String(own)}) disagree: give one of them`);
    out[field] = given;
  }
  return out as Partial<Config>;
}

/** The scalar fields and the variable each one is read from. */
const SCALARS: Partial<Record<keyof Config, string>> = {
  pauseThresholdGpu: 'PAUSE_THRESHOLD_GPU',
  pauseWindowMinutes: 'PAUSE_WINDOW_MINUTES',
  minSamples: 'MIN_SAMPLES',
  deleteThresholdHours: 'DELETE_THRESHOLD_HOURS',
  deleteWarningHours: 'DELETE_WARNING_HOURS',
  minInstanceAgeHours: 'MIN_INSTANCE_AGE_HOURS',
  maxGapSeconds: 'MAX_GAP_SECONDS',
  providerMetricPause: 'PROVIDER_METRIC_PAUSE',
  interactiveActivity: 'INTERACTIVE_ACTIVITY',
  pauseWarningMinutes: 'PAUSE_WARNING_MINUTES',
  loopWatchdogSec: 'LOOP_WATCHDOG_SECONDS',
  deleteSavingsHorizonDays: 'DELETE_SAVINGS_HORIZON_DAYS',
  digestHourUtc: 'DIGEST_HOUR_UTC',
  allowPlaintext: 'ALLOW_PLAINTEXT',
  checkIntervalSec: 'CHECK_INTERVAL',
  dryRun: 'DRY_RUN',
  host: 'HOST',
  port: 'PORT',
  adminToken: 'ADMIN_TOKEN',
  dataDir: 'DATA_DIR',
  databaseUrl: 'DATABASE_URL',
  replicaId: 'REPLICA_ID',
  leaderLeaseSec: 'LEADER_LEASE_SECONDS',
  providerTimeoutSec: 'PROVIDER_TIMEOUT_SECONDS',
  netBusyMBs: 'NET_BUSY_MB_S',
  diskBusyMBs: 'DISK_BUSY_MB_S',
  cpuBusyPercent: 'CPU_BUSY_PERCENT',
  webhookUrl: 'WEBHOOK_URL',
  smtpUrl: 'SMTP_URL',
  smtpFrom: 'SMTP_FROM',
  directoryFile: 'DIRECTORY_FILE',
  publicUrl: 'PUBLIC_URL',
  trustProxy: 'TRUST_PROXY',
  agentSilentSec: 'AGENT_SILENT_SECONDS',
  agentSshOverlapMinutes: 'AGENT_SSH_OVERLAP_MINUTES',
  checkpointTimeoutSec: 'CHECKPOINT_TIMEOUT_SECONDS',
  retentionRawHours: 'RETENTION_RAW_HOURS',
  retentionRollupDays: 'RETENTION_ROLLUP_DAYS',
  logLevel: 'LOG_LEVEL',
};

const NESTED: Record<string, Record<string, string>> = {
  vast: { apiKey: 'VAST_API_KEY', apiUrl: 'VAST_API_URL' },
  tensordock: { apiKey: 'TENSORDOCK_API_KEY', apiToken: 'TENSORDOCK_API_TOKEN', apiUrl: 'TENSORDOCK_API_URL' },
  gcp: { projectId: 'GCP_PROJECT_ID', zone: 'GCP_ZONE', apiEndpoint: 'GCP_API_ENDPOINT', accessToken: 'GCP_ACCESS_TOKEN' },
  tls: { certFile: 'TLS_CERT_FILE', keyFile: 'TLS_KEY_FILE' },
  limits: {
    minFreeDiskMb: 'MIN_FREE_DISK_MB',
    maxAgentConnections: 'MAX_AGENT_CONNECTIONS',
    agentBatchesPerSecond: 'AGENT_BATCHES_PER_SECOND',
    agentBatchBurst: 'AGENT_BATCH_BURST',
    authFailuresPerMinute: 'AUTH_FAILURES_PER_MINUTE',
    agentSamplesPerHour: 'AGENT_SAMPLES_PER_HOUR',
    maxGpusPerSample: 'MAX_GPUS_PER_SAMPLE',
    maxUnauthenticatedSockets: 'MAX_UNAUTHENTICATED_SOCKETS',
    httpHeadersTimeoutSec: 'HTTP_HEADERS_TIMEOUT_SECONDS',
    httpIdleTimeoutSec: 'HTTP_IDLE_TIMEOUT_SECONDS',
    tlsHandshakeTimeoutSec: 'TLS_HANDSHAKE_TIMEOUT_SECONDS',
  },
  ssh: { user: 'SSH_USER', keyPath: 'SSH_KEY_PATH', port: 'SSH_PORT', timeoutSec: 'SSH_TIMEOUT_SECONDS', concurrency: 'SSH_CONCURRENCY' },
};
/** Fields the parser derives itself: accepted and ignored (the given keys decide them). */
const DERIVED: Record<string, readonly string[]> = { tensordock: ['version'], gcp: ['prices'] };

function text(field: string, v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new ConfigError(field, `expected a string, number or boolean, got ${v === null ? 'null' : typeof v}`);
}

/** Fields every whole Config has had since the first release: their presence marks a config parseConfig made. */
const WHOLE_MARKERS: readonly (keyof Config)[] = [
  'pauseThresholdGpu',
  'pauseWindowMinutes',
  'minSamples',
  'deleteThresholdHours',
  'maxGapSeconds',
  'checkIntervalSec',
  'dataDir',
  'logLevel',
];

/** True for a whole Config as parseConfig returns it (the daemon passes one): used as is. */
export function isWholeConfig(c: Partial<Config>): c is Config {
  return WHOLE_MARKERS.every((k) => k in c) && 'ssh' in c && 'vast' in c && 'tensordock' in c && 'gcp' in c && 'protectedInstances' in c;
}

/** Validates a partial library config and completes it as parseConfig would from the same settings in the environment. */
export function configFromPartial(given: LibraryConfig): Config {
  const partial = withoutSeedAliases(given);
  const env: Env = {};
  for (const [field, value] of Object.entries(partial)) {
    if (value === undefined) continue;
    const variable = SCALARS[field as keyof Config];
    if (variable !== undefined) {
      if (value !== null) env[variable] = text(field, value);
      continue;
    }
    if (field === 'protectedInstances') {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
        throw new ConfigError('protectedInstances', 'expected an array of instance ids or names');
      if (value.some((v) => v.includes(','))) throw new ConfigError('protectedInstances', 'an entry cannot contain a comma');
      env['PROTECTED_INSTANCES'] = value.join(',');
      continue;
    }
    const nested = NESTED[field];
    if (nested === undefined) throw new ConfigError(field, 'not a configuration field');
    if (value === null) continue;
    if (typeof value !== 'object') throw new ConfigError(field, 'expected an object or null');
    for (const [k, v] of Object.entries(value as object)) {
      if (v === undefined || v === null) continue;
      const name = nested[k];
      if (name !== undefined) env[name] = text(`${field}.${k}`, v);
      else if (!(DERIVED[field] ?? []).includes(k)) throw new ConfigError(`${field}.${k}`, 'not a configuration field');
    }
  }
  const config = parseConfig(env);
  // GCP prices are a table, not a string: kept as given.
  const gcpPrices = (partial.gcp as { prices?: Record<string, number> } | null | undefined)?.prices;
  return config.gcp !== null && gcpPrices !== undefined ? { ...config, gcp: { ...config.gcp, prices: gcpPrices } } : config;
}
