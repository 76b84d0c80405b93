// One cycle of the agents' traffic: every live agent closes its intervals and sends what the controller has not
// acknowledged; frames go through the ingest conversion and into the store in one transaction; acknowledgements are
// handed back only once the cycle is over (a controller killed mid-cycle never sends them, so the agents replay).
// Keeps the counters the integrity checks need: what was stored, deduplicated, refused.
import type { SampleInput, Store } from '../../controller/src/store';
import { batchToSampleInput } from './ingest-batch';
import type { SimHostAgent } from './sim-agent';

/** What the tap needs of a simulated instance. */
export interface TapHost {
  key: string;
  id: string;
  agent: SimHostAgent;
}

export interface PendingAck {
  agent: SimHostAgent;
  runId: string;
  seq: number;
}

export interface TapHooks {
  /** A frame or sample the controller refused (`runId|seq`). */
  onReject(h: TapHost, runSeq: string, reason: string): void;
  /** The controller took a sample of this host (stored or a replay of one stored). */
  onAccept(h: TapHost): void;
}

export class IngestTap {
  /** `${instanceId}|${runId}` -> t1 of every batch stored and acknowledged (for the lost-sample check). */
  readonly acked = new Map<string, number[]>();
  private readonly refused = new Set<string>();
  readonly rejectReasons: Record<string, number> = {};
  stored = 0;
  duplicates = 0;

  constructor(private readonly hooks: TapHooks) {}

  get rejected(): number {
    return this.refused.size;
  }

  /** Sends the outboxes of `hosts` (agents whose link is up) at trace second `s`, controller time `nowMs`. */
  deliver(store: Store, hosts: readonly TapHost[], s: number, nowMs: number): PendingAck[] {
    const inputs: SampleInput[] = [];
    const owners: TapHost[] = [];
    for (const h of hosts) {
      for (const b of h.agent.outbox(s)) {
        const r = batchToSampleInput(h.id, b, nowMs);
        if (r.ok) {
          inputs.push(r.input);
          owners.push(h);
          continue;
        }
        // A bad frame closes the connection: what followed it on the wire is lost, the agent reconnects and replays.
        this.reject(h, `${b.runId}|${b.seq}`, r.reason);
        break;
      }
    }
    if (inputs.length === 0) return [];
    const acks: PendingAck[] = [];
    store.insertSamples(inputs, nowMs).forEach((r, i) => {
      const input = inputs[i]!;
      const h = owners[i]!;
      const run = input.run!;
      if (r.status === 'rejected') return this.reject(h, `${run.runId}|${run.seq}`, r.reason ?? 'rejected');
      if (r.status === 'inserted') {
        this.stored++;
        const k = `${input.instanceId}|${run.runId}`;
        const list = this.acked.get(k);
        if (list) list.push(input.t1);
        else this.acked.set(k, [input.t1]);
      } else if (r.status === 'duplicate') this.duplicates++;
      if (r.maxSeq !== null) acks.push({ agent: h.agent, runId: run.runId, seq: r.maxSeq });
      this.hooks.onAccept(h);
    });
    return acks;
  }

  private reject(h: TapHost, runSeq: string, reason: string): void {
    h.agent.reconnect();
    const k = `${h.id}|${runSeq}`;
    if (this.refused.has(k)) return;
    this.refused.add(k);
    const short = reason.replace(/\d+/g, 'N').slice(0, 80);
    this.rejectReasons[short] = (this.rejectReasons[short] ?? 0) + 1;
    this.hooks.onReject(h, runSeq, reason);
  }
}

/**
 * Acknowledged batches (interval ending at or after `since`, i.e. not yet rolled up) missing from the samples table:
 * per agent run, how many the controller stored and acknowledged against how many rows the table holds.
 */
export function countLost(store: Store, acked: ReadonlyMap<string, number[]>, since: number): number {
  const rows = store.db
    .prepare(
      'SELECT i.id AS id, r.run_id AS runId, count(*) AS n FROM samples s JOIN instances i ON i.key = s.inst JOIN agent_runs r ON r.key = s.run WHERE s.run != 0 AND s.t1 >= ? GROUP BY i.id, r.run_id',
    )
    .all(since) as { id: string; runId: string; n: number }[];
  const have = new Map(rows.map((r) => [`${r.id}|${r.runId}`, r.n]));
  let lost = 0;
  for (const [k, t1s] of acked) lost += Math.max(0, t1s.filter((t) => t >= since).length - (have.get(k) ?? 0));
  return lost;
}

/** Whether the agent sample `runId|seq` of an instance is in the database. */
export function storedSampleCheck(store: Store): (instanceId: string, runSeq: string) => boolean {
  const q = store.db.prepare(
    'SELECT 1 FROM samples s JOIN instances i ON i.key = s.inst JOIN agent_runs r ON r.key = s.run WHERE i.id = ? AND r.run_id = ? AND s.seq = ? LIMIT 1',
  );
  return (instanceId, runSeq) => {
    const cut = runSeq.lastIndexOf('|');
    return q.get(instanceId, runSeq.slice(0, cut), Number(runSeq.slice(cut + 1))) !== undefined;
  };
}
