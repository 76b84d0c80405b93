// Cycle step 7, record: the cycle's duration metric and log line, and the report's shape (CycleReport: what /healthz and
// the library's runOnce() read). The decisions were kept for the views earlier, by cycle.ts in last-decisions.ts.
import type { Decision } from '../../engine';
import type { ActionOutcome } from '../../executor/executor';
import type { Logger } from '../../log';
import type { Metrics } from '../../metrics/metrics';
import type { InventoryOutcome } from '../list-providers';
import type { SshStats } from './collect';

export interface CycleReport {
  at: number;
  durationMs: number;
  providers: InventoryOutcome[];
  decisions: Decision[];
  actions: ActionOutcome[];
  ssh: SshStats;
}

export function recordCycle(d: { logger: Logger; metrics?: Pick<Metrics, 'cycleDuration'> }, r: CycleReport, cycle: number, instances: number): void {
  d.metrics?.cycleDuration.observe(r.durationMs / 1000);
  const count = (k: string) => r.decisions.filter((x) => x.kind === k).length;
  const acted = (s: string) => r.actions.filter((a) => a.status === s).length;
  const failedProviders = r.providers.filter((p) => !p.ok).map((p) => p.provider);
  d.logger.info(
    `cycle ${cycle}: ${instances} instances; decisions pause=${count('pause')} delete=${count('delete')} warn=${count('warn-delete')} warn-pause=${count('warn-pause')}; ` +
      `actions succeeded=${acted('succeeded')} failed=${acted('failed')} dry-run=${acted('dry-run')} skipped=${acted('skipped')}; ` +
      `ssh ${r.ssh.ok}/${r.ssh.polled} ok` +
      (failedProviders.length ? `; provider errors: ${failedProviders.join(', ')}` : '') +
      `; ${r.durationMs} ms`,
  );
}
