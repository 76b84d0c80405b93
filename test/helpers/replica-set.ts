// Several real `serve` replicas on one PostgreSQL database (docs/scale-out.md), for the failover tests and
// bench/failover.ts: start them, read their roles from /healthz, and time how long a new leader takes after a kill.
import { getJson, spawnController, type SpawnedController } from './spawn-controller';

export interface ReplicaHealth {
  ok: boolean;
  role: 'leader' | 'follower';
  replica: string;
  leader?: { replica: string | null; lastCycleAt: string | null };
}

export interface ReplicaSetOptions {
  databaseUrl: string;
  /** Each replica's DATA_DIR is <dataRoot>/<name>. */
  dataRoot: string;
  /** The replicas' environment besides DATABASE_URL and REPLICA_ID (provider keys, LEADER_LEASE_SECONDS, timings). */
  env: Record<string, string>;
}

const isAlive = (c: SpawnedController) => c.proc.exitCode === null && c.proc.signalCode === null;

export class ReplicaSet {
  readonly replicas = new Map<string, SpawnedController>();

  constructor(private readonly o: ReplicaSetOptions) {}

  /** Starts (or restarts, after a kill) the replica `name`. */
  async start(name: string): Promise<SpawnedController> {
    const c = await spawnController({
      dataDir: `${this.o.dataRoot}/${name}`,
      env: { ...this.o.env, DATABASE_URL: this.o.databaseUrl, REPLICA_ID: name },
    });
    this.replicas.set(name, c);
    return c;
  }

  get(name: string): SpawnedController {
    const c = this.replicas.get(name);
    if (!c) throw new Error(`no replica ${name}`);
    return c;
  }

  /** The replicas whose process still runs, by name. */
  alive(): [string, SpawnedController][] {
    return [...this.replicas.entries()].filter(([, c]) => isAlive(c));
  }

  /** The name of the replica running as `c`. */
  nameOf(c: SpawnedController): string {
    for (const [name, r] of this.replicas) if (r === c) return name;
    throw new Error('not a replica of this set');
  }

  /** GET /healthz, or null when the replica does not answer within a second. */
  async health(c: SpawnedController): Promise<ReplicaHealth | null> {
    try {
      const r = await fetch(`${c.url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      return (await r.json()) as ReplicaHealth;
    } catch {
      return null;
    }
  }

  /** The replicas' agent URLs, `first` first: an agent given them tries them in this order. */
  agentUrls(first: string): string[] {
    return [first, ...[...this.replicas.keys()].filter((n) => n !== first)].map((n) => this.get(n).wsUrl);
  }

  /** Whether replica `name` says the instance's agent is connected to it (false when it does not answer). */
  async agentConnectedOn(name: string, instanceId: string): Promise<boolean> {
    const c = this.get(name);
    const r = await getJson<{ instance: { agentConnected: boolean } }>(`${c.url}/api/instances/${instanceId}`, c.adminHeaders()).catch(() => null);
    return r?.instance.agentConnected === true;
  }

  /** The role each live replica reports ('down' when it does not answer). */
  async roles(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    await Promise.all(this.alive().map(async ([name, c]) => (out[name] = (await this.health(c))?.role ?? 'down')));
    return out;
  }

  /** Waits until exactly one live replica leads and every other one follows; returns the leader's name. */
  async waitForOneLeader(timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last: Record<string, string> = {};
    for (;;) {
      last = await this.roles();
      const values = Object.values(last);
      if (values.length > 0 && values.filter((r) => r === 'leader').length === 1 && values.every((r) => r === 'leader' || r === 'follower')) {
        return Object.keys(last).find((k) => last[k] === 'leader')!;
      }
      if (Date.now() > deadline) throw new Error(`no single leader within ${timeoutMs} ms: ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * When the replica logged that it became the leader, at or after `afterMs` (its own clock, the log line's time):
   * the moment of the takeover, without the polling and HTTP delays timeToNewLeader includes. Null when not logged.
   */
  becameLeaderAt(name: string, afterMs: number): number | null {
    for (const m of this.get(name)
      .output()
      .matchAll(/^(\S+) WARN +replica \S+ is now the leader/gm)) {
      const t = Date.parse(m[1]!);
      if (t >= afterMs) return t;
    }
    return null;
  }

  /**
   * Polls every live replica's /healthz every `pollMs` until one reports role leader; returns its name and the
   * milliseconds from `sinceMs` (the kill) to the answer that said so, an upper bound on the takeover time.
   */
  async timeToNewLeader(sinceMs: number, timeoutMs = 60_000, pollMs = 50): Promise<{ name: string; ms: number }> {
    const deadline = sinceMs + timeoutMs;
    for (;;) {
      const round = Date.now();
      const answers = await Promise.all(
        this.alive().map(async ([name, c]) => {
          const h = await this.health(c);
          return h?.role === 'leader' ? { name, at: Date.now() } : null;
        }),
      );
      const first = answers.filter((a) => a !== null).sort((a, b) => a.at - b.at)[0];
      if (first) return { name: first.name, ms: first.at - sinceMs };
      if (Date.now() > deadline) throw new Error(`no replica took the lead within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, Math.max(0, pollMs - (Date.now() - round))));
    }
  }
}
