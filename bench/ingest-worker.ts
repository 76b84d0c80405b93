// bench:ingest's worker process (forked by bench/ingest.ts): runs its share of the simulated agents, each sending one
// batch per interval at its own phase, and reports counts, ack latencies and per-agent connect times every second.
import { SimAgent } from '../test/sim-agent';

export interface WorkerJob {
  url: string;
  /** PEM of the controller's self-signed certificate (BENCH_TLS=1), trusted as the only CA. */
  ca?: string;
  tokens: string[];
  /** This worker's first agent's index among all agents (for the even spread). */
  offsetIndex: number;
  total: number;
  gpus: number;
  intervalMs: number;
  connectConcurrency: number;
}

export interface WorkerReport {
  type: 'report';
  connected: number;
  sent: number;
  acked: number;
  latencies: number[];
  /** ms from connect() to the controller's welcome, per agent, each reported once (first connections only). */
  connectMs: number[];
  connectErrors: number;
  /** Connections closed so far (after or before their welcome), by "code reason". */
  closes: Record<string, number>;
}

async function worker(): Promise<void> {
  const job = await new Promise<WorkerJob>((r) => process.once('message', (m) => r(m as WorkerJob)));
  const agents: SimAgent[] = [];
  let connectErrors = 0;
  let sent = 0;
  let acked = 0;
  let connectMs: number[] = [];
  const connecting = (async () => {
    for (let i = 0; i < job.tokens.length; i += job.connectConcurrency) {
      const slice = job.tokens.slice(i, i + job.connectConcurrency).map((token) => {
        const a = new SimAgent({ url: job.url, ca: job.ca, token, gpus: job.gpus, intervalMs: job.intervalMs, autoReconnect: true, reconnectDelayMs: 1000 });
        a.on('ack', () => acked++);
        agents.push(a);
        const t0 = performance.now();
        return a.connect().then(
          () => connectMs.push(performance.now() - t0),
          () => connectErrors++,
        );
      });
      await Promise.all(slice);
    }
  })();
  // Reports start at once, so the parent sees the connections climb (and can stop waiting on a stall).
  setInterval(() => {
    const latencies: number[] = [];
    for (const a of agents) {
      for (const l of a.latencies) latencies.push(l);
      // Keep memory flat: forget what was reported.
      a.latencies.length = 0;
    }
    const closes: Record<string, number> = {};
    for (const a of agents) for (const c of a.closes) closes[`${c.code} ${c.reason}`.trim()] = (closes[`${c.code} ${c.reason}`.trim()] ?? 0) + 1;
    const report: WorkerReport = {
      type: 'report',
      connected: agents.filter((a) => a.connected).length,
      sent,
      acked,
      latencies,
      connectMs,
      connectErrors,
      closes,
    };
    connectMs = [];
    process.send!(report);
  }, 1000);
  await connecting;
  agents.forEach((a, i) => {
    // Even spread: agent k of N sends at k/N of the interval.
    const phase = ((job.offsetIndex + i) / job.total) * job.intervalMs;
    setTimeout(() => {
      const tick = () => {
        a.sendBatch(Math.floor(Math.random() * 100));
        sent++;
      };
      tick();
      setInterval(tick, job.intervalMs);
    }, phase);
  });
}

void worker();
