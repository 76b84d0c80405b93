// Cycle step 3, collect: the samples the controller fetches itself. Hosts without a live agent are read over SSH;
// instances whose provider reports a utilization figure (Vast.ai) and have no live agent get that coarse sample.
import type { Config } from '../../config/config';
import type { ProviderInstance, ProviderName } from '../../domain/instance';
import type { Logger } from '../../log';
import type { Metrics } from '../../metrics/metrics';
import { type SshPoller, selectSshTargets, toSshSample } from '../../ssh';
import type { InstanceRecord, Store } from '../../store';
import type { IdleTracker } from '../idle-tracker';
import { providerSample } from '../provider-samples';

export interface CollectDeps {
  config: Pick<Config, 'agentSilentSec' | 'ssh' | 'checkIntervalSec'>;
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

  constructor(private readonly d: CollectDeps) {}

  async collect(current: readonly InstanceRecord[], listed: readonly ProviderInstance[], now: number): Promise<SshStats> {
    const ssh = await this.pollSsh(current, now);
    this.recordProviderUtil(listed, now);
    return ssh;
  }

  private async pollSsh(records: readonly InstanceRecord[], now: number): Promise<SshStats> {
    const { d } = this;
    if (!d.ssh) return { polled: 0, ok: 0, failed: 0 };
    const targets = selectSshTargets(records, d.idle.agentLastSeen, now, { agentSilentSec: d.config.agentSilentSec, ssh: d.config.ssh });
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
    const silentMs = d.config.agentSilentSec * 1000;
    const inputs = [];
    for (const inst of listed) {
      const agentSeen = d.idle.agentLastSeen.get(inst.id);
      if (agentSeen !== undefined && now - agentSeen <= silentMs) continue; // the agent's data is better
      const prev = this.lastInventoryAt.get(inst.provider) ?? now - d.config.checkIntervalSec * 1000;
      const s = providerSample(inst, prev, now);
      if (s) inputs.push(s);
    }
    for (const inst of listed) this.lastInventoryAt.set(inst.provider, now);
    if (inputs.length) d.store.insertSamples(inputs, now);
  }
}
