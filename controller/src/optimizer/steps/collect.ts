// Cycle step 3, collect: the samples the controller fetches itself. Hosts without a live agent, or whose agent started
// reporting less than AGENT_SSH_OVERLAP_MINUTES ago, are read over SSH; every instance whose provider reports a
// utilization figure (Vast.ai) gets that coarse sample, with or without an agent: it costs nothing (it comes with the
// inventory), and a busy reading from any source vetoes a pause, so an agent that reports idle for a host that is not
// its own (a neighbour on a shared address) cannot silence it. The engine still prefers the agent's readings.
import type { Config } from '../../config/config';
import type { ProviderInstance, ProviderName } from '../../domain/instance';
import type { Logger } from '../../log';
import type { Metrics } from '../../metrics/metrics';
import { type SshPoller, selectSshTargets, toSshSample } from '../../ssh';
import type { InstanceRecord, Store } from '../../store';
import type { IdleTracker } from '../idle-tracker';
import { providerSample } from '../provider-samples';

export interface CollectDeps {
  config: Pick<Config, 'agentSilentSec' | 'ssh' | 'checkIntervalSec'> & Partial<Pick<Config, 'agentSshOverlapMinutes'>>;
  store: Pick<Store, 'insertSamples'>;
  idle: Pick<IdleTracker, 'agentLastSeen'>;
  ssh: SshPoller | null;
  logger: Logger;
  now: () => number;
  metrics?: Pick<Metrics, 'sshPolls'>;
}

export interface SshStats {
  polled: number;
  ok: number;
  failed: number;
}

export class SampleCollector {
  /** When each provider's previous list was taken: a provider sample covers the time between two lists. */
  private readonly lastInventoryAt = new Map<ProviderName, number>();
  /**
   * Instance id -> when this collector first saw its agent live in the current streak (cleared when the agent falls
   * silent). At the first cycle after start-up the agents already live count as established (their arrival was before
   * this process: a restart must not send SSH to every agent host at once); see docs/security.md.
   */
  private readonly agentSince = new Map<string, number>();
  private firstCycle = true;

  constructor(private readonly d: CollectDeps) {}

  async collect(current: readonly InstanceRecord[], listed: readonly ProviderInstance[], now: number): Promise<SshStats> {
    const ssh = await this.pollSsh(current, this.establishedAgents(now), now);
    this.recordProviderUtil(listed, now);
    return ssh;
  }

  /** The live agents that have reported for at least AGENT_SSH_OVERLAP_MINUTES: only these silence SSH. */
  private establishedAgents(now: number): Map<string, number> {
    const silentMs = this.d.config.agentSilentSec * 1000;
    const overlapMs = (this.d.config.agentSshOverlapMinutes ?? 60) * 60_000;
    const out = new Map<string, number>();
    for (const [id, seen] of this.d.idle.agentLastSeen) {
      if (now - seen > silentMs) {
        this.agentSince.delete(id);
        continue;
      }
      let since = this.agentSince.get(id);
      if (since === undefined) this.agentSince.set(id, (since = this.firstCycle ? now - overlapMs : now));
      if (now - since >= overlapMs) out.set(id, seen);
    }
    for (const id of this.agentSince.keys()) if (!this.d.idle.agentLastSeen.has(id)) this.agentSince.delete(id);
    this.firstCycle = false;
    return out;
  }

  private async pollSsh(records: readonly InstanceRecord[], established: ReadonlyMap<string, number>, now: number): Promise<SshStats> {
    const { d } = this;
    if (!d.ssh) return { polled: 0, ok: 0, failed: 0 };
    const targets = selectSshTargets(records, established, now, { agentSilentSec: d.config.agentSilentSec, ssh: d.config.ssh });
    if (targets.length === 0) return { polled: 0, ok: 0, failed: 0 };
    const results = await d.ssh.sweep(targets);
    let ok = 0;
    for (const r of results) {
      d.metrics?.sshPolls.inc({ result: r.ok ? 'ok' : r.code });
      if (r.ok) ok++;
    }
    const ins = d.store.insertSamples(results.map(toSshSample), d.now());
    ins.forEach((r, i) => r.status === 'rejected' && d.logger.warn(`ssh sample for ${results[i]!.instanceId} rejected: ${r.reason}`));
    return { polled: results.length, ok, failed: results.length - ok };
  }

  private recordProviderUtil(listed: readonly ProviderInstance[], now: number): void {
    const { d } = this;
    const inputs = [];
    for (const inst of listed) {
      const prev = this.lastInventoryAt.get(inst.provider) ?? now - d.config.checkIntervalSec * 1000;
      const s = providerSample(inst, prev, now);
      if (s) inputs.push(s);
    }
    for (const inst of listed) this.lastInventoryAt.set(inst.provider, now);
    if (inputs.length) d.store.insertSamples(inputs, now);
  }
}
