// The controller's typed configuration, parsed and validated once at start-up from an env-like record.
import { hostname } from 'node:os';
import { DEFAULT_CPU_BUSY_PERCENT, DEFAULT_DISK_BUSY_MB_S, DEFAULT_NET_BUSY_MB_S } from '../engine/host-busy';
import { ConfigError } from '../domain/errors';
import { databasePasswords, databaseUrl, redactDatabaseUrl } from './database-url';
import { bool, type Env, list, num, prices, smtpUrl, str, url } from './env-values';
import { isLoopbackHost } from '../../../protocol/loopback';

export interface VastConfig {
  apiKey: string;
  apiUrl: string;
}
export interface TensorDockConfig {
  /** v0 needs key + token (form body); v2 needs the token alone (Bearer). */
  version: 'v0' | 'v2';
  apiKey: string | null;
  apiToken: string;
  apiUrl: string;
}
export interface GcpConfig {
  projectId: string;
  zone: string | null;
  apiEndpoint: string | null;
  accessToken: string | null;
  /** Override of the built-in price table, `machineOrAccelType=usdPerHour,...`. */
  prices: Record<string, number>;
}
export interface SshConfig {
  user: string;
  keyPath: string;
  port: number;
  /** Seconds; connection and whole-command limit per host. */
  timeoutSec: number;
  concurrency: number;
}

export interface EngineConfig {
  pauseThresholdGpu: number;
  pauseWindowMinutes: number;
  minSamples: number;
  deleteThresholdHours: number;
  deleteWarningHours: number;
  minInstanceAgeHours: number;
  protectedInstances: string[];
  /** Longest gap between samples (seconds) still counted as covered. */
  maxGapSeconds: number;
  /** Whether the provider's own utilization figure alone (Vast.ai gpu_util, a point reading per cycle) may justify a pause. */
  providerMetricPause: boolean;
  /** INTERACTIVE_ACTIVITY: recent terminal or notebook input reported by the agent keeps an instance (absent: true). */
  interactiveActivity?: boolean;
  /** PAUSE_WARNING_MINUTES: notify this long before a pause (0 or absent: no warning). */
  pauseWarningMinutes?: number;
  /** NET_BUSY_MB_S, DISK_BUSY_MB_S, CPU_BUSY_PERCENT: host activity at or above these is busy; 0 off (absent: defaults, engine/host-busy.ts). */
  netBusyMBs?: number;
  diskBusyMBs?: number;
  cpuBusyPercent?: number;
}

export interface Config extends EngineConfig {
  checkIntervalSec: number;
  /**
   * LOOP_WATCHDOG_SECONDS: `serve` exits (non-zero, for the service manager to restart it) when no cycle finished
   * for this long; 0 turns it off. Default 10 CHECK_INTERVALs, at least 10 minutes (docs/health.md).
   */
  loopWatchdogSec: number;
  /** DELETE_SAVINGS_HORIZON_DAYS: a delete's savings count for this many days after it (docs/savings.md). */
  deleteSavingsHorizonDays: number;
  /** DIGEST_HOUR_UTC: hour (0-23) of the daily digest of actions and savings to WEBHOOK_URL; null = no digest. */
  digestHourUtc: number | null;
  dryRun: boolean;
  host: string;
  port: number;
  adminToken: string | null;
  dataDir: string;
  /**
   * DATABASE_URL: a postgres:// URL keeps everything in that PostgreSQL database, which several `serve` replicas may
   * share (docs/scale-out.md); null = SQLite in DATA_DIR, the embedded default.
   */
  databaseUrl: string | null;
  /** REPLICA_ID: this process's name in logs, /healthz and /metrics; default the host name. */
  replicaId: string;
  /** LEADER_LEASE_SECONDS: the leader's lease with several replicas; a dead leader is replaced within about this. */
  leaderLeaseSec: number;
  /**
   * PROVIDER_TIMEOUT_SECONDS: one request to a provider's API is given up after this long. A new leader also leaves
   * its predecessor's unfinished pause or delete alone for this long plus 34 s (docs/scale-out.md).
   */
  providerTimeoutSec: number;
  webhookUrl: string | null;
  /** SMTP_URL (smtp:// or smtps://, credentials in it): owners with an e-mail address get their instances' warnings and actions. */
  smtpUrl: string | null;
  /** SMTP_FROM: the sender of those e-mails; default cost-optimizer@localhost. */
  smtpFrom: string;
  /** DIRECTORY_FILE: owners and teams in YAML or JSON, applied at start and on SIGHUP (docs/owners.md); null = none. */
  directoryFile: string | null;
  /** The URL GPU hosts reach the controller at, written into /install.sh; null = the URL of each request. */
  publicUrl: string | null;
  /** Believe X-Forwarded-Proto/Host (only behind a reverse proxy that sets them). */
  trustProxy: boolean;
  /** TLS_CERT_FILE / TLS_KEY_FILE (PEM): the one port then speaks HTTPS and WSS only; null = none configured. */
  tls: { certFile: string; keyFile: string } | null;
  /** ALLOW_PLAINTEXT: serve plain HTTP on a non-loopback HOST (a TLS proxy on a private network); see docs/tls.md. */
  allowPlaintext: boolean;
  /** An agent not heard from for this long is treated as absent (SSH fallback, notification). */
  agentSilentSec: number;
  /**
   * AGENT_SSH_OVERLAP_MINUTES: SSH keeps polling a host this long after its agent started reporting (a new enrolment,
   * or a return after a silence): an agent that has just arrived has not earned the right to silence SSH.
   */
  agentSshOverlapMinutes: number;
  /** How long the controller waits for an agent's checkpoint hook before giving up on the pause. */
  checkpointTimeoutSec: number;
  /** Raw samples are kept at least this long, then rolled up. */
  retentionRawHours: number;
  retentionRollupDays: number;
  vast: VastConfig | null;
  tensordock: TensorDockConfig | null;
  gcp: GcpConfig | null;
  ssh: SshConfig;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Abuse limits (docs/auth.md): free-space floor for storing samples (MiB, 0 = off), connection cap, per-instance
   * batch rate and burst, failed agent authentications per address and minute. */
  limits: {
    minFreeDiskMb: number;
    maxAgentConnections: number;
    agentBatchesPerSecond: number;
    agentBatchBurst: number;
    authFailuresPerMinute: number;
    /** AGENT_SAMPLES_PER_HOUR: samples one instance may add per clock hour (storage per token is bounded). */
    agentSamplesPerHour: number;
    /** MAX_GPUS_PER_SAMPLE: GPUs one agent sample may report (the largest hosts have 16). */
    maxGpusPerSample: number;
    /** MAX_UNAUTHENTICATED_SOCKETS: open sockets that are not agent connections (yet) at most; more are closed at once. */
    maxUnauthenticatedSockets: number;
    /** HTTP_HEADERS_TIMEOUT_SECONDS: a connection must send its request headers (an agent its upgrade) within this long. */
    httpHeadersTimeoutSec: number;
    /** HTTP_IDLE_TIMEOUT_SECONDS: an idle keep-alive HTTP connection is closed after this long. */
    httpIdleTimeoutSec: number;
    /** TLS_HANDSHAKE_TIMEOUT_SECONDS: a TLS handshake must finish within this long. */
    tlsHandshakeTimeoutSec: number;
  };
}

/** Literal 127.0.0.0/8, ::1 and localhost only (protocol/loopback.ts): a name starting with "127." is not loopback. */
export function isLoopback(host: string): boolean {
  return isLoopbackHost(host);
}

/** Parse the whole configuration; throws ConfigError naming the first bad variable. */
export function parseConfig(env: Env, home = '/root'): Config {
  const host = str(env, 'HOST') ?? '127.0.0.1';
  const adminToken = str(env, 'ADMIN_TOKEN');
  // No ADMIN_TOKEN is fine on any HOST: the server then generates one into DATA_DIR (0600) at first start, so the
  // admin API is never open (docs/auth.md).
  if (adminToken !== null && adminToken.length < 16) throw new ConfigError('ADMIN_TOKEN', 'must be at least 16 characters');

  const certFile = str(env, 'TLS_CERT_FILE');
  const keyFile = str(env, 'TLS_KEY_FILE');
  if ((certFile === null) !== (keyFile === null)) {
    throw new ConfigError(certFile === null ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE', 'TLS_CERT_FILE and TLS_KEY_FILE go together: set both or neither');
  }
  const allowPlaintext = bool(env, 'ALLOW_PLAINTEXT', false);
  if (allowPlaintext && certFile !== null) throw new ConfigError('ALLOW_PLAINTEXT', 'cannot be true while TLS_CERT_FILE is set (the port speaks TLS only)');

  const vastKey = str(env, 'VAST_API_KEY');
  const tdKey = str(env, 'TENSORDOCK_API_KEY');
  const tdToken = str(env, 'TENSORDOCK_API_TOKEN');
  if (tdKey !== null && tdToken === null) {
    throw new ConfigError('TENSORDOCK_API_TOKEN', 'TENSORDOCK_API_KEY is set without TENSORDOCK_API_TOKEN (v0 needs both, v2 needs the token)');
  }
  const tdVersion: 'v0' | 'v2' = tdKey !== null ? 'v0' : 'v2';
  const gcpProject = str(env, 'GCP_PROJECT_ID');
  for (const dependent of ['GCP_ZONE', 'GCP_API_ENDPOINT', 'GCP_ACCESS_TOKEN']) {
    if (str(env, dependent) !== null && gcpProject === null) throw new ConfigError('GCP_PROJECT_ID', `required when ${dependent} is set`);
  }

  const checkIntervalSec = num(env, 'CHECK_INTERVAL', 60, { gt: 0, max: 86_400 });
  const pauseWindowMinutes = num(env, 'PAUSE_WINDOW_MINUTES', 30, { gt: 0, max: 7 * 24 * 60 });
  const deleteThresholdHours = num(env, 'DELETE_THRESHOLD_HOURS', 24, { gt: 0, max: 24 * 365 });
  // Default 1 h; with a threshold of 2 h or less (compressed timings) half the threshold, so setting the threshold
  // alone never stops start-up. A warning set by hand must still come before the delete.
  const deleteWarningHours = num(env, 'DELETE_WARNING_HOURS', Math.min(1, deleteThresholdHours / 2), { min: 0, max: 24 * 365 });
  if (deleteWarningHours >= deleteThresholdHours) {
    throw new ConfigError('DELETE_WARNING_HOURS', `must be smaller than DELETE_THRESHOLD_HOURS (${deleteThresholdHours})`);
  }
  const loopWatchdogSec = num(env, 'LOOP_WATCHDOG_SECONDS', Math.max(600, 10 * checkIntervalSec), { min: 0, max: 7 * 86_400 });
  // Cycles finish CHECK_INTERVAL plus a cycle's duration apart: a shorter watchdog would restart a healthy loop.
  if (loopWatchdogSec > 0 && loopWatchdogSec < 2 * checkIntervalSec) {
    throw new ConfigError('LOOP_WATCHDOG_SECONDS', `must be 0 (off) or at least twice CHECK_INTERVAL (${2 * checkIntervalSec})`);
  }
  const logLevel = (str(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new ConfigError('LOG_LEVEL', `expected debug, info, warn or error, got "${logLevel}"`);

  return {
    // 0 is allowed: no reading is below 0 %, so nothing is ever idle (pausing, and deleting running instances, off).
    pauseThresholdGpu: num(env, 'PAUSE_THRESHOLD_GPU', 10, { min: 0, max: 100 }),
    pauseWindowMinutes,
    minSamples: num(env, 'MIN_SAMPLES', 5, { min: 1, int: true, max: 1_000_000 }),
    deleteThresholdHours,
    deleteWarningHours,
    minInstanceAgeHours: num(env, 'MIN_INSTANCE_AGE_HOURS', 1, { min: 0, max: 24 * 365 }),
    protectedInstances: list(env, 'PROTECTED_INSTANCES'),
    // Default: a fifth of the pause window, kept between 30 s and 180 s (a 30 min window gives 180 s), so one lost
    // 10 s batch is not a gap but a dead agent is.
    maxGapSeconds: num(env, 'MAX_GAP_SECONDS', Math.max(30, Math.min(180, (pauseWindowMinutes * 60) / 5)), { gt: 0 }),
    providerMetricPause: bool(env, 'PROVIDER_METRIC_PAUSE', false),
    interactiveActivity: bool(env, 'INTERACTIVE_ACTIVITY', true),
    netBusyMBs: num(env, 'NET_BUSY_MB_S', DEFAULT_NET_BUSY_MB_S, { min: 0, max: 1e6 }),
    diskBusyMBs: num(env, 'DISK_BUSY_MB_S', DEFAULT_DISK_BUSY_MB_S, { min: 0, max: 1e6 }),
    cpuBusyPercent: num(env, 'CPU_BUSY_PERCENT', DEFAULT_CPU_BUSY_PERCENT, { min: 0, max: 100 }),
    checkIntervalSec,
    loopWatchdogSec,
    deleteSavingsHorizonDays: num(env, 'DELETE_SAVINGS_HORIZON_DAYS', 30, { gt: 0, max: 3650 }),
    pauseWarningMinutes: num(env, 'PAUSE_WARNING_MINUTES', 5, { min: 0, max: 24 * 60 }),
    digestHourUtc: str(env, 'DIGEST_HOUR_UTC') === null ? null : num(env, 'DIGEST_HOUR_UTC', 0, { min: 0, max: 23, int: true }),
    dryRun: bool(env, 'DRY_RUN', false),
    host,
    port: num(env, 'PORT', 8080, { min: 0, max: 65535, int: true }),
    adminToken,
    dataDir: str(env, 'DATA_DIR') ?? './data',
    databaseUrl: databaseUrl(env),
    replicaId: replicaId(env),
    leaderLeaseSec: num(env, 'LEADER_LEASE_SECONDS', 15, { min: 3, max: 600 }),
    providerTimeoutSec: num(env, 'PROVIDER_TIMEOUT_SECONDS', 30, { min: 1, max: 300 }),
    webhookUrl: url(env, 'WEBHOOK_URL', null),
    smtpUrl: smtpUrl(env),
    smtpFrom: str(env, 'SMTP_FROM') ?? 'cost-optimizer@localhost',
    directoryFile: str(env, 'DIRECTORY_FILE'),
    publicUrl: url(env, 'PUBLIC_URL', null),
    trustProxy: bool(env, 'TRUST_PROXY', false),
    tls: certFile === null || keyFile === null ? null : { certFile, keyFile },
    allowPlaintext,
    agentSilentSec: num(env, 'AGENT_SILENT_SECONDS', 60, { gt: 0 }),
    agentSshOverlapMinutes: num(env, 'AGENT_SSH_OVERLAP_MINUTES', 60, { min: 0, max: 7 * 24 * 60 }),
    checkpointTimeoutSec: num(env, 'CHECKPOINT_TIMEOUT_SECONDS', 300, { gt: 0, max: 3600 }),
    retentionRawHours: num(env, 'RETENTION_RAW_HOURS', 48, { min: 48, max: 24 * 365 }),
    retentionRollupDays: num(env, 'RETENTION_ROLLUP_DAYS', 90, { min: 1, max: 3650 }),
    vast: vastKey === null ? null : { apiKey: vastKey, apiUrl: url(env, 'VAST_API_URL', 'https://console.vast.ai')! },
    tensordock:
      tdToken === null
        ? null
        : {
            version: tdVersion,
            apiKey: tdKey,
            apiToken: tdToken,
            apiUrl: url(
              env,
              'TENSORDOCK_API_URL',
              tdVersion === 'v0' ? 'https://marketplace.tensordock.com/api/v0' : 'https://dashboard.tensordock.com/api/v2',
            )!,
          },
    gcp:
      gcpProject === null
        ? null
        : {
            projectId: gcpProject,
            zone: str(env, 'GCP_ZONE'),
            apiEndpoint: url(env, 'GCP_API_ENDPOINT', null),
            accessToken: str(env, 'GCP_ACCESS_TOKEN'),
            prices: prices(env, 'GCP_PRICES'),
          },
    ssh: {
      user: str(env, 'SSH_USER') ?? 'root',
      keyPath: str(env, 'SSH_KEY_PATH') ?? `${home}/.ssh/id_ed25519`,
      port: num(env, 'SSH_PORT', 22, { min: 1, max: 65535, int: true }),
      timeoutSec: num(env, 'SSH_TIMEOUT_SECONDS', 15, { gt: 0, max: 600 }),
      concurrency: num(env, 'SSH_CONCURRENCY', 32, { min: 1, max: 1024, int: true }),
    },
    logLevel: logLevel as Config['logLevel'],
    limits: {
      minFreeDiskMb: num(env, 'MIN_FREE_DISK_MB', 500, { min: 0, max: 1e9 }),
      maxAgentConnections: num(env, 'MAX_AGENT_CONNECTIONS', 20_000, { min: 1, int: true, max: 1_000_000 }),
      agentBatchesPerSecond: num(env, 'AGENT_BATCHES_PER_SECOND', 20, { gt: 0, max: 100_000 }),
      agentBatchBurst: num(env, 'AGENT_BATCH_BURST', 10_000, { min: 1, int: true, max: 10_000_000 }),
      authFailuresPerMinute: num(env, 'AUTH_FAILURES_PER_MINUTE', 20, { min: 1, int: true, max: 1_000_000 }),
      agentSamplesPerHour: num(env, 'AGENT_SAMPLES_PER_HOUR', 12_000, { min: 1, int: true, max: 10_000_000 }),
      maxGpusPerSample: num(env, 'MAX_GPUS_PER_SAMPLE', 16, { min: 1, max: 64, int: true }),
      maxUnauthenticatedSockets: num(env, 'MAX_UNAUTHENTICATED_SOCKETS', 10_000, { min: 1, int: true, max: 1_000_000 }),
      httpHeadersTimeoutSec: num(env, 'HTTP_HEADERS_TIMEOUT_SECONDS', 10, { gt: 0, max: 600 }),
      httpIdleTimeoutSec: num(env, 'HTTP_IDLE_TIMEOUT_SECONDS', 5, { gt: 0, max: 3600 }),
      tlsHandshakeTimeoutSec: num(env, 'TLS_HANDSHAKE_TIMEOUT_SECONDS', 10, { gt: 0, max: 600 }),
    },
  };
}

function replicaId(env: Env): string {
  const id = str(env, 'REPLICA_ID');
  if (id === null)
    return (
      hostname()
        .replace(/[^A-Za-z0-9._-]/g, '-')
        .slice(0, 64) || 'replica'
    );
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new ConfigError('REPLICA_ID', 'expected 1-64 letters, digits, dots, dashes or underscores');
  return id;
}

/** Every secret value the config holds: the loggers scrub each from every line. Kept beside redactConfig, its twin. */
export function secretsOf(c: Config): (string | null | undefined)[] {
  return [
    c.adminToken,
    c.vast?.apiKey,
    c.tensordock?.apiKey,
    c.tensordock?.apiToken,
    c.gcp?.accessToken,
    c.webhookUrl,
    c.smtpUrl,
    ...databasePasswords(c.databaseUrl),
  ];
}

/** The configuration with secrets replaced, for the start-up log line and the status API. */
export function redactConfig(c: Config): Record<string, unknown> {
  const hide = (s: string | null) => (s === null ? null : '***');
  return {
    ...c,
    adminToken: hide(c.adminToken),
    webhookUrl: c.webhookUrl === null ? null : new URL(c.webhookUrl).origin + '/***',
    databaseUrl: c.databaseUrl === null ? null : redactDatabaseUrl(c.databaseUrl),
    vast: c.vast && { ...c.vast, apiKey: '***' },
    tensordock: c.tensordock && { ...c.tensordock, apiKey: hide(c.tensordock.apiKey), apiToken: '***' },
    gcp: c.gcp && { ...c.gcp, accessToken: hide(c.gcp.accessToken) },
  };
}
