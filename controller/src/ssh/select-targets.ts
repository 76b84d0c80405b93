// Chooses the hosts to poll over SSH (pure): running instances with an SSH endpoint and no live agent.
import type { SshConfig } from '../config/config';
import type { ProviderInstance } from '../domain/instance';
import type { SshTarget } from './ssh-result';

export interface SelectConfig {
  /** An agent not heard from for longer than this (seconds) is absent. */
  agentSilentSec: number;
  ssh: Pick<SshConfig, 'user' | 'port'>;
}

/**
 * Targets for this cycle. `agentLastSeen` maps instance id -> epoch ms of the agent's last frame; no entry means no
 * agent ever reported. An agent heard within `agentSilentSec` stops SSH polling of its host: its data is better.
 * The provider's per-instance port (Vast.ai `ssh_port`, TensorDock's forward of 22) wins over SSH_PORT, which applies
 * to endpoints that carry none (port 0).
 */
export function selectSshTargets(
  instances: readonly ProviderInstance[],
  agentLastSeen: ReadonlyMap<string, number>,
  now: number,
  cfg: SelectConfig,
): SshTarget[] {
  const silentMs = cfg.agentSilentSec * 1000;
  const out: SshTarget[] = [];
  for (const inst of instances) {
    if (inst.state !== 'running' || inst.ssh === null || inst.ssh.host.trim() === '') continue;
    const seen = agentLastSeen.get(inst.id);
    if (seen !== undefined && now - seen <= silentMs) continue;
    const port = Number.isInteger(inst.ssh.port) && inst.ssh.port >= 1 && inst.ssh.port <= 65535 ? inst.ssh.port : cfg.ssh.port;
    out.push({ instanceId: inst.id, host: inst.ssh.host, port, user: cfg.ssh.user });
  }
  return out.sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
}
