// One voice per instance across replicas (docs/scale-out.md): an agent connection is admitted on this replica only
// when no other replica holds a live one for the instance; live means its holder's heartbeat (every few seconds) is
// fresher than `staleMs`, so the agents of a replica that died are taken over by the survivors after that long.
import type { Logger } from '../log';
import type { AgentSessionsRepo } from '../store/agent-sessions-repo';

export class ReplicaSessions {
  private lastBeat = 0;

  constructor(
    private readonly repo: AgentSessionsRepo,
    private readonly replica: string,
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly staleMs = 15_000,
  ) {}

  /** Null when this replica may take the connection; else a line naming the replica and address that hold it. */
  claim(instanceId: string, remote: string): string | null {
    const t = this.now();
    try {
      const holder = this.repo.claim(instanceId, this.replica, remote, t, t - this.staleMs);
      return holder === null ? null : `replica ${holder.replica} (agent at ${holder.remote})`;
    } catch (err) {
      // Unknown is not a second voice: the local one-voice rule still applies; the leader's rules do the rest.
      this.logger.error(`agent ${instanceId}: cannot check other replicas' connections`, err);
      return null;
    }
  }

  release(instanceId: string): void {
    try {
      this.repo.drop(instanceId, this.replica);
    } catch (err) {
      this.logger.warn(`agent ${instanceId}: cannot release its session row (it goes stale on its own): ${String(err)}`);
    }
  }

  /** Refreshes this replica's rows, at most every third of staleMs. */
  heartbeat(instanceIds: Iterable<string>): void {
    const t = this.now();
    if (t - this.lastBeat < this.staleMs / 3) return;
    this.lastBeat = t;
    try {
      this.repo.touch(this.replica, [...instanceIds], t);
    } catch (err) {
      this.logger.error('agent session heartbeat failed', err);
    }
  }
}
