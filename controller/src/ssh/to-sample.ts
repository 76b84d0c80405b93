// Turns an SSH poll result into what the store's shared insert path takes for an agent batch, with source 'ssh'.
import type { AgentHealth, GpuStats } from '../../../protocol';
import type { MetricSource } from '../domain/instance';
import type { InteractiveActivity } from '../domain/interactive';
import type { SshFailureCode, SshResult } from './ssh-result';

export interface SshSample {
  instanceId: string;
  source: Extract<MetricSource, 'ssh'>;
  /** Controller clock, epoch ms. */
  t0: number;
  t1: number;
  /** Empty for a failed poll: together with the error health that makes the sample unknown, never idle. */
  gpus: GpuStats[];
  procs: null;
  health: AgentHealth;
  /** Terminal input read over SSH with the GPUs (absent when none was read). */
  interactive?: InteractiveActivity | null;
}

/** The protocol's health codes are the agent's; the SSH-only reasons travel as 'exited' with the code in the message. */
function healthCode(code: SshFailureCode): Extract<AgentHealth, { state: 'error' }>['code'] {
  if (code === 'driver' || code === 'missing' || code === 'parse') return code;
  return 'exited';
}

export function toSshSample(r: SshResult): SshSample {
  const base = { instanceId: r.instanceId, source: 'ssh' as const, t0: r.t0, t1: Math.max(r.t0, r.t1), procs: null };
  if (r.ok) return { ...base, gpus: r.gpus, health: { state: 'ok' }, ...(r.interactive ? { interactive: r.interactive } : {}) };
  return {
    ...base,
    gpus: [],
    // "ssh <code>: <message>" so status and explain show why, e.g. "ssh auth: root@host: Permission denied (publickey)."
    health: { state: 'error', code: healthCode(r.code), message: `ssh ${r.code}: ${r.message}`.slice(0, 1024) },
  };
}
