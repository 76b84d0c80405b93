// What one SSH poll of one host yields: the GPU stats, or why there are none. A failure is always unknown, never idle.
import type { GpuStats } from '../../../protocol';
import type { InteractiveActivity } from '../domain/interactive';

/** One host the poller should query; `user` defaults to SSH_USER. */
export interface SshTarget {
  instanceId: string;
  host: string;
  port: number;
  user?: string;
}

/**
 * Why a poll gave no readings.
 * auth: the host refused our key; hostkey: its host key does not match known_hosts; unreachable: connection failed
 * or closed; timeout: no answer within the hard limit (or banner/connect timeout); driver: nvidia-smi cannot reach
 * the driver; missing: no nvidia-smi on the remote PATH; exited: nvidia-smi exited non-zero for another reason;
 * parse: output unreadable or no GPU listed; backoff: skipped after recent failures; invalid: the endpoint is not a
 * safe host/user/port; busy: a poll of this host from an earlier sweep is still running.
 */
export type SshFailureCode = 'auth' | 'hostkey' | 'unreachable' | 'timeout' | 'driver' | 'missing' | 'exited' | 'parse' | 'backoff' | 'invalid' | 'busy';

interface SshResultBase {
  instanceId: string;
  target: SshTarget;
  /** Controller clock, epoch ms: when the poll started and ended (equal for a skipped host). */
  t0: number;
  t1: number;
  /** Wall time of the poll in ms (0 for a skipped host). */
  durationMs: number;
}

export interface SshOk extends SshResultBase {
  ok: true;
  gpus: GpuStats[];
  /** A one-shot query does not list compute processes. */
  procs: null;
  /** Terminal input read in the same command (terminal-input.ts); null when the section was missing or unreadable. */
  interactive?: InteractiveActivity | null;
}

export interface SshFailure extends SshResultBase {
  ok: false;
  code: SshFailureCode;
  /** One line for status / explain; never holds a secret (keys are files, never arguments). */
  message: string;
}

export type SshResult = SshOk | SshFailure;

/** Failures that say the connection itself is in trouble: these put the host into backoff and drop its master. */
export const CONNECTION_FAILURES: ReadonlySet<SshFailureCode> = new Set(['auth', 'hostkey', 'unreachable', 'timeout']);
