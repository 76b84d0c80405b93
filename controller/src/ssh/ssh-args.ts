// Builds the argv of the system OpenSSH client for one poll (pure): options, control socket, destination, command.
import { createHash } from 'node:crypto';
import { discoverAndQueryScript } from '../../../protocol/nvidia-smi/query';
import type { SshTarget } from './ssh-result';
import { TERMINAL_INPUT_SUFFIX } from './terminal-input';

/**
 * The agent's discovery and query in one round trip, one-shot (no -lms), then the terminal-input section
 * (terminal-input.ts): a fixed script built from constants only (nothing from a provider reaches it), run by
 * `sh -c '...'` whatever the login shell (fish and csh do not speak its sh syntax), so it needs no escaping.
 */
const REMOTE_SCRIPT = [discoverAndQueryScript(), ...TERMINAL_INPUT_SUFFIX].join(' ');
if (REMOTE_SCRIPT.includes("'")) throw new Error('the remote script must not contain a single quote');
export const REMOTE_COMMAND: readonly string[] = ['sh', '-c', `'${REMOTE_SCRIPT}'`];

export interface ResolvedTarget {
  instanceId: string;
  host: string;
  port: number;
  user: string;
}

// Host names and users come from provider APIs: anything that could be read as an ssh option (leading '-'), a
// percent token, a URI or a second word is refused rather than escaped.
const HOSTNAME = /^[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,252})$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;

/** The target with defaults applied, or a reason it is unsafe to put on an ssh command line. */
export function resolveTarget(t: SshTarget, defaultUser: string): ResolvedTarget | { error: string } {
  let host = typeof t.host === 'string' ? t.host.trim() : '';
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const isV6 = host.includes(':');
  if (!(isV6 ? IPV6.test(host) : HOSTNAME.test(host))) return { error: `unsafe or empty SSH host ${JSON.stringify(String(t.host).slice(0, 80))}` };
  const user = t.user ?? defaultUser;
  if (typeof user !== 'string' || !USER.test(user)) return { error: `unsafe or empty SSH user ${JSON.stringify(String(user).slice(0, 80))}` };
  if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535) return { error: `SSH port out of range: ${String(t.port)}` };
  return { instanceId: t.instanceId, host, port: t.port, user };
}

/** Identity of one connection: instance and endpoint. A new instance behind a reused Vast.ai port gets a new key. */
export function targetKey(t: ResolvedTarget): string {
  return `${t.instanceId}\n${t.user}@${t.host}:${t.port}`;
}

/**
 * File name of a target's control socket. One master per instance (not ssh's %C, which is per host:port:user) so
 * instances that share an endpoint never share an authenticated connection, and the name stays short: unix socket
 * paths are limited to ~104-108 bytes and ssh appends a 17-character suffix while creating the master.
 */
export function controlSocketName(key: string): string {
  return 'cm-' + createHash('sha256').update(key).digest('hex').slice(0, 20);
}

/**
 * Name under which a host's key is kept in our known_hosts: one per instance, not per host:port. Vast.ai hands a
 * released ssh_port on the same proxy host to the next instance, whose sshd has another key: keyed by endpoint it
 * would look like an attack forever (and the instance would never be read); keyed by instance it is simply new, while
 * a key that changes under the same instance is still refused. Hashed: ids may hold characters known_hosts treats as
 * patterns (`*`, `?`, `,`, `!`).
 */
export function hostKeyAlias(instanceId: string): string {
  return 'co-' + createHash('sha256').update(instanceId).digest('hex').slice(0, 24);
}

/**
 * A file path as the value of an `-o Name=value` option: ssh expands `%` tokens in these paths (so `%` is doubled)
 * and splits unquoted values on whitespace (so such paths are quoted). A double quote cannot be expressed: refused.
 */
export function optionPath(p: string): string {
  const escaped = expansionSafe(p);
  return /\s/.test(escaped) ? `"${escaped}"` : escaped;
}

/** `%` doubled; refuses what ssh would still rewrite (`${VAR}` is expanded in these paths too) or cannot quote. */
export function expansionSafe(p: string): string {
  if (p === '' || /["\x00-\x1f\x7f]/.test(p) || p.includes('${')) throw new Error(`path not usable in an ssh option: ${JSON.stringify(p)}`);
  return p.replace(/%/g, '%%');
}

export interface SshArgsOptions {
  /** Seconds for TCP connect and for the server's banner (a port that accepts and never answers). */
  connectTimeoutSec: number;
  knownHostsFile: string;
  /** SSH_KEY_PATH when the file exists; otherwise ssh's own defaults and agent apply. */
  keyFile: string | null;
  /** Connection reuse; null runs one full handshake per poll (ControlMaster=no). */
  control: { path: string; persistSec: number } | null;
  /** Keepalive so a master whose host died goes away on its own instead of hanging its clients. */
  serverAliveIntervalSec: number;
  serverAliveCountMax: number;
}

/** The argv after `ssh` for one poll of `t`. No shell is involved; keys are files, so no secret is on it. */
export function buildSshArgs(t: ResolvedTarget, o: SshArgsOptions): string[] {
  const args = [
    '-T', // no tty: nvidia-smi prints plain lines
    '-o',
    'BatchMode=yes', // never prompt for a password or passphrase: fail instead
    '-o',
    `ConnectTimeout=${Math.max(1, Math.ceil(o.connectTimeoutSec))}`,
    '-o',
    'StrictHostKeyChecking=accept-new', // learn new hosts, refuse changed keys
    '-o',
    `UserKnownHostsFile=${optionPath(o.knownHostsFile)}`,
    '-o',
    `HostKeyAlias=${hostKeyAlias(t.instanceId)}`,
    '-o',
    `ServerAliveInterval=${o.serverAliveIntervalSec}`,
    '-o',
    `ServerAliveCountMax=${o.serverAliveCountMax}`,
    '-o',
    'ClearAllForwardings=yes', // an operator's LocalForward would clash between hundreds of connections
    '-o',
    'ForwardAgent=no', // a rented host's root must not reach the operator's ssh-agent (and through it other hosts)
    '-o',
    'IdentitiesOnly=yes', // offer only SSH_KEY_PATH, not every key the operator's agent holds
    '-o',
    'LogLevel=ERROR', // drop "Permanently added ..." chatter; errors still reach stderr for classification
  ];
  if (o.control) {
    args.push(
      '-o',
      'ControlMaster=auto',
      '-o',
      `ControlPath=${optionPath(o.control.path)}`,
      '-o',
      `ControlPersist=${Math.max(1, Math.round(o.control.persistSec))}`,
    );
  } else {
    args.push('-o', 'ControlMaster=no', '-o', 'ControlPath=none');
  }
  if (o.keyFile !== null) args.push('-i', expansionSafe(o.keyFile)); // -i paths are expanded like the options above
  // `--` ends option parsing: the destination and the command are never read as options.
  args.push('-p', String(t.port), '-l', t.user, '--', t.host, ...REMOTE_COMMAND);
  return args;
}

/** argv for a control command (`-O check` / `-O exit`) to the master behind `controlPath`. */
export function controlCommandArgs(op: 'check' | 'exit', controlPath: string, t: Pick<ResolvedTarget, 'host' | 'port' | 'user'>): string[] {
  return [
    '-o',
    'BatchMode=yes',
    '-o',
    'LogLevel=ERROR',
    '-o',
    `ControlPath=${optionPath(controlPath)}`,
    '-O',
    op,
    '-p',
    String(t.port),
    '-l',
    t.user,
    '--',
    t.host,
  ];
}
