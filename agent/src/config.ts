// The agent's typed configuration, parsed and validated once at start-up from argv and the environment.
// This is the only agent file that reads process.env / process.argv; everything else gets an AgentConfig.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../protocol/config-error';
import type { LogLevel } from '../../protocol/log';
import { isLoopbackHost } from '../../protocol/loopback';

export { ConfigError };

export interface AgentConfig {
  /** ws:// or wss:// URL of the controller's agent endpoint (path defaults to /agent): the first of controllerUrls. */
  controllerUrl: string;
  /**
   * Every controller URL, in the order given (CONTROLLER_URL may list several, comma-separated: replicas of one
   * controller). The link moves to the next when one fails and cycles round (ws-client.ts); one URL is the usual case.
   */
  controllerUrls: string[];
  /** Bearer token; never logged, never put on a child's argv or environment. Null: enrol with joinToken. */
  token: string | null;
  /** JOIN_TOKEN (docs/enrolment.md): the fleet join token used to obtain `token` when none is given or kept; null
   * with neither: the token kept in `stateDir` by an earlier enrolment. */
  joinToken: string | null;
  /** Where the agent keeps what it must remember across restarts (the token it got by enrolling, 0600). */
  stateDir: string;
  /** CONTROLLER_PIN `sha256//<base64>`: the only server key accepted (whatever signed it), checked before anything is sent; null = ordinary TLS verification. */
  controllerPin: string | null;
  /** INSTANCE_ID override of the detected identity, or null. */
  instanceId: string | null;
  /** The Vast.ai instance id from VAST_CONTAINERLABEL (`C.<id>`) or CONTAINER_ID inside its containers, or null. */
  vastContainerId: string | null;
  nvidiaSmi: string;
  sampleIntervalMs: number;
  reportIntervalMs: number;
  /** Shell command run (sh -c) when the controller asks to prepare a pause; null when none. */
  checkpointCmd: string | null;
  /** Upper bound on how long the hook may run, whatever the controller asks. */
  checkpointTimeoutMs: number;
  /** Unacknowledged batches kept while the controller is unreachable; the oldest is dropped beyond this. */
  bufferMaxBatches: number;
  logLevel: LogLevel;
  /** Pseudo-terminals whose access time is terminal input (TERMINALS_DIR, default /dev/pts). */
  terminalsDir: string;
  /** Jupyter runtime directories always read: $JUPYTER_RUNTIME_DIR, the agent user's and root's default one. */
  jupyterRuntimeDirs: string[];
  /** Each home under it adds its default Jupyter runtime directory (/home). */
  homesDir: string;
  /** Environment for child processes: ours without AGENT_TOKEN. */
  childEnv: Record<string, string>;
  /** Host file systems read for host activity and inhibitor processes (HOST_PROC, HOST_SYS; as in gopsutil). */
  hostProc: string;
  hostSys: string;
  /** AGENT_INHIBIT_DIR: where `inhibit` leaves its entries and the agent reads them. */
  inhibitDir: string;
}

/** AGENT_INHIBIT_DIR's default: /tmp is on every host and writable by every user; the directory is made sticky (1777). */
export const DEFAULT_INHIBIT_DIR = '/tmp/cost-optimizer-inhibit';

/** What `inhibit` needs: the directory and where /proc is (config is read here only). */
export function loadHostPaths(env: Env = process.env): { hostProc: string; inhibitDir: string } {
  return {
    hostProc: blankToUndefined(env.HOST_PROC) ?? '/proc',
    inhibitDir: blankToUndefined(env.AGENT_INHIBIT_DIR) ?? DEFAULT_INHIBIT_DIR,
  };
}

export const HELP_TEXT = `cost-optimizer-agent: streams this host's GPU utilization to a Cost Optimizer controller.

Usage: node agent.js [--controller URL] [--token TOKEN] [--instance-id ID] [--help]

Flags override the environment. Prefer AGENT_TOKEN in a 0600 env file over --token:
a flag is visible to every user in the process list.

Environment:
  CONTROLLER_URL         ws:// or wss:// URL of the controller (path defaults to /agent)   (required)
                         several, comma-separated (replicas): the next is tried when one fails
  AGENT_TOKEN            token from \`cost-optimizer token create <instance-id>\`  (this or JOIN_TOKEN)
  JOIN_TOKEN             fleet join token (\`cost-optimizer token create --join\`): the agent claims its
                         instance and keeps the agent token it is granted in AGENT_STATE_DIR
  AGENT_STATE_DIR        where that token is kept        [$STATE_DIRECTORY or ~/.cost-optimizer-agent]
  CONTROLLER_PIN         sha256//<base64>: accept exactly this controller key (printed by token create)
  ALLOW_PLAINTEXT        true: allow ws:// to a non-loopback controller (token in clear)   [false]
  INSTANCE_ID            override the detected instance identity (e.g. vast:123456)
  NVIDIA_SMI             path of nvidia-smi                                      [nvidia-smi]
  SAMPLE_INTERVAL_MS     nvidia-smi reading interval                             [1000]
  REPORT_INTERVAL_MS     how often aggregated readings are sent                  [10000]
  CHECKPOINT_CMD         shell command run before a pause, on the controller's request
  CHECKPOINT_TIMEOUT_MS  longest the checkpoint command may run                  [300000]
  BUFFER_MAX_BATCHES     unsent batches kept while offline (oldest dropped)      [8640]
  TERMINALS_DIR          pseudo-terminals read for keyboard input                [/dev/pts]
  JUPYTER_RUNTIME_DIR    also look for Jupyter servers here (besides each user's default)
  HOST_PROC, HOST_SYS    the host's proc and sys file systems (host activity)    [/proc, /sys]
  AGENT_INHIBIT_DIR      entries of \`cost-optimizer-agent inhibit\`              [${DEFAULT_INHIBIT_DIR}]

Subcommand: cost-optimizer-agent inhibit [--why TEXT] -- COMMAND [ARGS...] | --for DURATION | --list
  LOG_LEVEL              debug | info | warn | error                             [info]
`;

type Env = Readonly<Record<string, string | undefined>>;

const FLAGS: Record<string, 'controller' | 'token' | 'instanceId'> = {
  '--controller': 'controller',
  '--token': 'token',
  '--instance-id': 'instanceId',
};

/** Flags as given; `help` when -h/--help appears anywhere. */
function parseFlags(argv: readonly string[]): { help: boolean; values: Partial<Record<'controller' | 'token' | 'instanceId', string>> } {
  const values: Partial<Record<'controller' | 'token' | 'instanceId', string>> = {};
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const key = FLAGS[name];
    if (!key) throw new ConfigError(name, 'unknown option (see --help)');
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new ConfigError(name, 'needs a value');
    values[key] = value;
  }
  return { help, values };
}

function blankToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function bool(env: Env, name: string): boolean {
  const raw = (blankToUndefined(env[name]) ?? 'false').toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw.slice(0, 20)}"`);
}

function integer(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = blankToUndefined(env[name]);
  if (raw === undefined) return def;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number of milliseconds or items, got "${raw.slice(0, 40)}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** Validates the controller URL and fills in the default path /agent. */
export function normalizeControllerUrl(raw: string, variable = 'CONTROLLER_URL'): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(variable, `not a URL: "${raw.slice(0, 100)}"`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new ConfigError(variable, `must start with ws:// or wss://, got "${url.protocol}//"`);
  }
  // Credentials in the URL would end up in logs; the token goes in the Authorization header.
  if (url.username || url.password) throw new ConfigError(variable, 'must not contain user:password (use AGENT_TOKEN)');
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/agent';
  return url.toString();
}

/** 127.0.0.0/8, ::1 and localhost (protocol/loopback.ts): the only hosts plain ws:// may reach without ALLOW_PLAINTEXT. */
export { isLoopbackHost };

const PIN = /^sha256\/\/[A-Za-z0-9+/]{43}=$/;

/** Parse argv (without node and script) and an environment record. Returns 'help' when help was asked for. */
export function parseAgentConfig(argv: readonly string[], env: Env): AgentConfig | 'help' {
  const { help, values } = parseFlags(argv);
  if (help) return 'help';

  const urlSource = values.controller !== undefined ? '--controller' : 'CONTROLLER_URL';
  const rawUrl = values.controller ?? blankToUndefined(env.CONTROLLER_URL);
  if (rawUrl === undefined) throw new ConfigError('CONTROLLER_URL', 'required (or --controller URL)');
  const rawUrls = rawUrl
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (rawUrls.length === 0) throw new ConfigError(urlSource, 'required: one URL, or several separated by commas');
  if (rawUrls.length > 16) throw new ConfigError(urlSource, `at most 16 URLs, got ${rawUrls.length}`);
  const controllerUrls = [...new Set(rawUrls.map((u) => normalizeControllerUrl(u, urlSource)))];

  const allowPlaintext = bool(env, 'ALLOW_PLAINTEXT');
  const controllerPin = blankToUndefined(env.CONTROLLER_PIN) ?? null;
  if (controllerPin !== null && !PIN.test(controllerPin))
    throw new ConfigError('CONTROLLER_PIN', 'must be sha256//<44 base64 characters> (as printed by `cost-optimizer token create`)');
  // Every URL is held to the same rules: one plain or unpinned replica would undo them for all.
  for (const u of controllerUrls) {
    const parsedUrl = new URL(u);
    if (parsedUrl.protocol === 'ws:' && !isLoopbackHost(parsedUrl.hostname) && !allowPlaintext) {
      throw new ConfigError(
        urlSource,
        `refusing plain ws:// to ${parsedUrl.host}: the token would cross the network in clear; use wss:// (with CONTROLLER_PIN for a self-signed controller) or set ALLOW_PLAINTEXT=true`,
      );
    }
    if (controllerPin !== null && parsedUrl.protocol !== 'wss:') {
      throw new ConfigError('CONTROLLER_PIN', `needs a wss:// controller URL, got ${parsedUrl.protocol}// (${parsedUrl.host})`);
    }
  }
  const controllerUrl = controllerUrls[0]!;

  const tokenSource = values.token !== undefined ? '--token' : 'AGENT_TOKEN';
  const token = values.token ?? blankToUndefined(env.AGENT_TOKEN) ?? null;
  const joinToken = blankToUndefined(env.JOIN_TOKEN) ?? null;
  // With AGENT_STATE_DIR alone the agent runs on the token an earlier enrolment kept there: the installer removes the
  // spent JOIN_TOKEN from the host once the agent enrolled (docs/enrolment.md).
  if (token === null && joinToken === null && blankToUndefined(env.AGENT_STATE_DIR) === undefined) {
    throw new ConfigError('AGENT_TOKEN', 'required (or --token TOKEN, or JOIN_TOKEN to enrol)');
  }
  // They go into an HTTP header: visible ASCII only, so they can never split the header. The value is never echoed.
  for (const [value, source] of [
    [token, tokenSource],
    [joinToken, 'JOIN_TOKEN'],
  ] as const) {
    if (value !== null && (!/^[\x21-\x7e]+$/.test(value) || value.length > 512)) {
      throw new ConfigError(source, 'must be 1-512 printable ASCII characters without spaces');
    }
  }
  const stateDir =
    blankToUndefined(env.AGENT_STATE_DIR) ??
    blankToUndefined(env.STATE_DIRECTORY)?.split(':')[0] ??
    join(blankToUndefined(env.HOME) ?? homedir(), '.cost-optimizer-agent');

  const instanceSource = values.instanceId !== undefined ? '--instance-id' : 'INSTANCE_ID';
  const instanceId = values.instanceId ?? blankToUndefined(env.INSTANCE_ID) ?? null;
  if (instanceId !== null && (instanceId.length > 256 || /[\x00-\x1f]/.test(instanceId))) {
    throw new ConfigError(instanceSource, 'must be at most 256 characters without control characters');
  }
  // Vast.ai sets VAST_CONTAINERLABEL=C.<instance id> in its containers; CONTAINER_ID (the id alone) is the older name.
  const label = /^C\.(\d{1,20})$/.exec(blankToUndefined(env.VAST_CONTAINERLABEL) ?? '');
  const containerId = blankToUndefined(env.CONTAINER_ID);
  const vastContainerId = label !== null ? label[1]! : containerId !== undefined && /^\d{1,20}$/.test(containerId) ? containerId : null;

  const sampleIntervalMs = integer(env, 'SAMPLE_INTERVAL_MS', 1000, 50, 3_600_000);
  const reportIntervalMs = integer(env, 'REPORT_INTERVAL_MS', 10_000, 100, 3_600_000);
  if (reportIntervalMs < sampleIntervalMs) {
    throw new ConfigError('REPORT_INTERVAL_MS', `must be at least SAMPLE_INTERVAL_MS (${sampleIntervalMs})`);
  }
  const checkpointTimeoutMs = integer(env, 'CHECKPOINT_TIMEOUT_MS', 300_000, 1, 3_600_000);
  const bufferMaxBatches = integer(env, 'BUFFER_MAX_BATCHES', 8640, 1, 10_000_000);

  const level = (blankToUndefined(env.LOG_LEVEL) ?? 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error'].includes(level)) {
    throw new ConfigError('LOG_LEVEL', `must be debug, info, warn or error, got "${level.slice(0, 20)}"`);
  }

  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && k !== 'AGENT_TOKEN' && k !== 'JOIN_TOKEN') childEnv[k] = v;

  // Where jupyter_core puts runtime files by default: $JUPYTER_RUNTIME_DIR, else <data dir>/runtime, the data dir
  // being $JUPYTER_DATA_DIR or $XDG_DATA_HOME/jupyter or ~/.local/share/jupyter. Other users' homes are added at read time.
  const jupyterRuntimeDirs: string[] = [];
  const runtimeDir = blankToUndefined(env.JUPYTER_RUNTIME_DIR);
  if (runtimeDir !== undefined) jupyterRuntimeDirs.push(runtimeDir);
  const dataDir = blankToUndefined(env.JUPYTER_DATA_DIR);
  if (dataDir !== undefined) jupyterRuntimeDirs.push(`${dataDir}/runtime`);
  const xdg = blankToUndefined(env.XDG_DATA_HOME);
  if (xdg !== undefined) jupyterRuntimeDirs.push(`${xdg}/jupyter/runtime`);
  const home = blankToUndefined(env.HOME);
  if (home !== undefined) jupyterRuntimeDirs.push(`${home}/.local/share/jupyter/runtime`);
  jupyterRuntimeDirs.push('/root/.local/share/jupyter/runtime');

  return {
    controllerUrl,
    controllerUrls,
    token,
    joinToken,
    stateDir,
    controllerPin,
    instanceId,
    vastContainerId,
    nvidiaSmi: blankToUndefined(env.NVIDIA_SMI) ?? 'nvidia-smi',
    sampleIntervalMs,
    reportIntervalMs,
    checkpointCmd: blankToUndefined(env.CHECKPOINT_CMD) ?? null,
    checkpointTimeoutMs,
    bufferMaxBatches,
    logLevel: level as LogLevel,
    terminalsDir: blankToUndefined(env.TERMINALS_DIR) ?? '/dev/pts',
    jupyterRuntimeDirs: [...new Set(jupyterRuntimeDirs)],
    homesDir: '/home',
    childEnv,
    hostProc: loadHostPaths(env).hostProc,
    hostSys: blankToUndefined(env.HOST_SYS) ?? '/sys',
    inhibitDir: loadHostPaths(env).inhibitDir,
  };
}

/** The process's own settings. */
export function loadAgentConfig(): AgentConfig | 'help' {
  return parseAgentConfig(process.argv.slice(2), process.env);
}

/** The join token is spent once enrolled: removed from this process's environment, where a child or a debugger could read it. */
export function forgetJoinToken(): void {
  delete process.env['JOIN_TOKEN'];
}
