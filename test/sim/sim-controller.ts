// One controller process of the simulation: the real SQLite store and CostOptimizer in virtual time, with the real
// provider clients wrapped in probes (duplicate check, kill switch). Killing it abandons the objects without close(),
// as kill -9 would; a new one opens the same database file.
import type { Config } from '../../controller/src/config/config';
import type { Logger } from '../../controller/src/log';
import type { Notifier } from '../../controller/src/notify/webhook-notifier';
import { CostOptimizer } from '../../controller/src/compose/cost-optimizer';
import { openStore, type Store } from '../../controller/src/store';
import type { Fleet } from './fleet';
import { type ActionCall, ProbeProvider, SimProcess } from './probe-provider';
import type { RetryPolicy } from '../../controller/src/retry/retry-policy';

/** The fakes answer at once: the provider clients retry reads, and act-and-verify resends, after a few ms. */
export const SIM_RETRY: RetryPolicy = { maxRetries: 1, baseDelayMs: 2, maxDelayMs: 10, factor: 2, jitter: 0 };

export interface SimController {
  store: Store;
  opt: CostOptimizer;
  life: SimProcess;
  probes: ProbeProvider[];
}

export interface SimControllerDeps {
  dbPath: string;
  config: Config;
  clock: () => number;
  notifier: Notifier;
  logger: Logger;
  fleet: Fleet;
  /** Shared by every process of the run, so calls survive a restart. */
  calls: ActionCall[];
}

export async function startSimController(d: SimControllerDeps): Promise<SimController> {
  const store = openStore(d.dbPath, { logger: d.logger });
  const life = new SimProcess();
  const opt = new CostOptimizer(d.config, {
    store,
    now: d.clock,
    notifier: d.notifier,
    sshPoller: null,
    logger: d.logger,
    // The fakes change state at once: verification needs no waiting, only the re-read.
    executor: { verifyAttempts: 3, verifyDelayMs: 0, resend: SIM_RETRY },
    inventory: { attempts: 2, baseDelayMs: 1 },
  });
  const byProviderId = new Map(d.fleet.instances.map((i) => [`${i.provider}|${i.providerId}`, i]));
  const probes: ProbeProvider[] = [];
  for (const [name, p] of await d.fleet.makeProviders()) {
    const truth = (pid: string) => {
      const i = byProviderId.get(`${name}|${pid}`);
      return i ? d.fleet.truth(i) : 'gone';
    };
    const probe = new ProbeProvider(p, truth, d.clock, life, d.calls);
    probes.push(probe);
    opt.addProvider(name, probe);
  }
  return { store, opt, life, probes };
}
