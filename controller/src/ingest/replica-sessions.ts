// One voice per instance across replicas (docs/scale-out.md): an agent connection is admitted on this replica only
// when no other replica holds a live one for the instance; live means its holder's heartbeat (every few seconds) is
// fresher than `staleMs`, so the agents of a replica that died are taken over by the survivors after that long.
// Until then a knock is refused, but it is a second voice (a contest) only once the holder has shown it is alive by
// a heartbeat after the first refusal: an agent coming back from a replica that was just killed is not a thief.
import type { Logger } from '../log';
import type { AgentSessionsRepo } from '../store/agent-sessions-repo';

/** Another replica holds the instance's session: who, and whether it has heartbeated since this replica first refused. */
export interface HeldElsewhere {
  /** `replica X (agent at ip:port)`. */
  line: string;
  /**
   * True once the holder's heartbeat moved on after an earlier refusal here: it is alive, so the newcomer is a second
   * voice. False on the first refusal, when the holder may be a replica that died moments ago.
   */
  holderAlive: boolean;
}

export class ReplicaSessions {
  private lastBeat = 0;
  /** Instances refused here because another replica held them: that holder and its heartbeat when first refused. */
  private readonly refused = new Map<string, { replica: string; seenAt: number }>();

  constructor(
    private readonly repo: AgentSessionsRepo,
    private readonly replica: string,
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly staleMs = 15_000,
  ) {}

  /** Null when this replica may take the connection; else who holds it, and whether that holder is known to be alive. */
  claim(instanceId: string, remote: string): HeldElsewhere | null {
    const t = this.now();
    try {
      const holder = this.repo.claim(instanceId, this.replica, remote, t, t - this.staleMs);
      if (holder === null) {
        this.refused.delete(instanceId);
        return null;
      }
      const first = this.refused.get(instanceId);
      const holderAlive = first !== undefined && first.replica === holder.replica && holder.seenAt > first.seenAt;
      if (first === undefined || first.replica !== holder.replica) {
        // Authenticated agents only reach here, one entry per instance; bounded all the same.
        if (this.refused.size >= 100_000) this.refused.clear();
        this.refused.set(instanceId, { replica: holder.replica, seenAt: holder.seenAt });
      }
      return { line: `replica ${holder.replica} (agent at ${holder.remote})`, holderAlive };
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
