// Part of the collect step: an agent that went silent on a running instance is announced once (its instance is not
// paused on missing data, so someone should look), and again only after it stopped being silent (it spoke, or its
// instance stopped) in between.
import type { Logger } from '../../log';
import type { Notifier } from '../../notify/webhook-notifier';
import { plainNotice } from '../../notify/messages';
import type { InstanceRecord } from '../../store';
import type { IdleTracker } from '../idle-tracker';

export class SilentAgentAlerts {
  private readonly notified = new Set<string>();

  constructor(private readonly d: { idle: Pick<IdleTracker, 'agentLastSeen'>; notifier: Notifier; logger: Logger; agentSilentSec: number }) {}

  check(records: readonly InstanceRecord[], now: number): void {
    const { d } = this;
    for (const r of records) {
      const seen = d.idle.agentLastSeen.get(r.id);
      if (seen === undefined) continue;
      const silent = now - seen > d.agentSilentSec * 1000 && r.state === 'running';
      if (silent && !this.notified.has(r.id)) {
        this.notified.add(r.id);
        const msg = `agent of ${r.id} (${r.name}) silent for ${Math.round((now - seen) / 1000)} s; its instance is not paused on missing data`;
        d.logger.warn(msg);
        d.notifier.notify(plainNotice(':mute:', msg), { instanceId: r.id, email: false });
      } else if (!silent) this.notified.delete(r.id);
    }
  }
}
