// One voice per instance: decides whether a newly authenticated agent connection may report for an instance that
// already has one, and remembers instances where two agents competed ("contested": nothing they say is idle).
//
// Rule (docs/security.md "One voice per instance"): the first healthy connection keeps the instance. A newcomer is
// held at the HTTP upgrade while the holder is pinged; a holder that answers (pong or any frame) within
// `probeTimeoutMs` is alive, so the newcomer is refused with HTTP 409 and the instance is marked contested for
// `contestWindowMs` (WARN line + notification naming both addresses). A holder that does not answer, or whose socket
// closes meanwhile, is dead (a restarted agent's old socket): it is dropped and the newcomer takes its place, so a
// restarted agent is back within one probe. Contests live in memory: after a controller restart a competing agent is
// caught again at its next knock, and its samples from before are idle evidence only if a whole window of them
// follows (the engine's usual rule).
import type WebSocket from 'ws';
import type { Logger } from '../log';

export interface Contest {
  /** Epoch ms: no agent's idle evidence counts before this; the engine then needs a whole window. */
  until: number;
  /** Remote addresses (ip:port) of the competing connections, oldest first, at most MAX_ADDRESSES. */
  addresses: string[];
  /** When this contest episode began. */
  since: number;
}

/** What the arbiter needs of a live connection. */
export interface VoiceHolder {
  ws: WebSocket;
  remoteAddress: string;
  connectedAt: number;
}

export type Verdict = { admit: true; replaced: VoiceHolder | null } | { admit: false; reason: string };

export interface VoiceArbiterOptions {
  logger: Logger;
  now: () => number;
  /** How long a holder has to answer the probe ping. Default 5 s. */
  probeTimeoutMs?: number;
  /** How long an instance stays contested after the last competing connection. Default 10 min. */
  contestWindowMs?: number;
  /** Told of every mark, first or repeated (replicas share contests through the store: docs/scale-out.md). */
  onMark?: (instanceId: string, contest: Contest) => void;
  /** Told once per contest episode (the WARN line is logged here too); e.g. the notifier. */
  onContest?: (instanceId: string, contest: Contest, text: string) => void;
}

const MAX_ADDRESSES = 8;

export type ContestKind = 'live-token' | 'stale-token' | 'claim';

function contestText(instanceId: string, what: string, kind: ContestKind, addresses: readonly string[], until: number): string {
  const idle = `nothing any agent says counts as idle until ${new Date(until).toISOString()}`;
  const list = addresses.join(', ');
  switch (kind) {
    case 'live-token':
      return (
        `agent ${instanceId}: ${what}; refused the newcomer. Two agents report with this instance's token (addresses ${list}): ` +
        `${idle}. If this is not a second install, the token may be stolen: revoke it (cost-optimizer token revoke ${instanceId}) and enrol the host again`
      );
    case 'stale-token':
      return (
        `agent ${instanceId}: ${what}; refused. A host still holds a token of this instance that is no longer valid (addresses ${list}): ${idle}. ` +
        `If the instance was enrolled again by a host that is not it (a neighbour on a shared address), revoke its token ` +
        `(cost-optimizer token revoke ${instanceId}) and give the real host one by hand; if the old host is gone, stop its agent`
      );
    case 'claim':
      return (
        `agent ${instanceId}: ${what}; refused. Someone holding the join token claimed an instance that has an agent (addresses ${list}): ${idle}. ` +
        `If no host of yours was re-installed, the join token may be in the wrong hands: revoke it (cost-optimizer token revoke --join <id>)`
      );
  }
}

export class VoiceArbiter {
  private readonly contests = new Map<string, Contest>();
  /** Instances whose holder is being probed right now: a third connection meanwhile is a competing voice too. */
  private readonly probing = new Map<string, string>();
  private readonly probeTimeoutMs: number;
  private readonly contestWindowMs: number;
  private listener: VoiceArbiterOptions['onContest'];

  constructor(private readonly opts: VoiceArbiterOptions) {
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 5_000;
    this.contestWindowMs = opts.contestWindowMs ?? 600_000;
    this.listener = opts.onContest;
    if (!(this.probeTimeoutMs > 0) || !(this.contestWindowMs > 0)) throw new Error('VoiceArbiter: probeTimeoutMs and contestWindowMs must be > 0');
  }

  /** Sets who hears about contests (the daemon wires its notifier here once it exists). */
  setContestListener(fn: VoiceArbiterOptions['onContest']): void {
    this.listener = fn;
  }

  /** The instance's contest, if one was seen and has not yet expired plus a day (the engine needs the end time). */
  contested(instanceId: string): Contest | null {
    const c = this.contests.get(instanceId);
    if (c === undefined) return null;
    if (c.until + 86_400_000 < this.opts.now()) {
      this.contests.delete(instanceId);
      return null;
    }
    return c;
  }

  /**
   * A newcomer from `remote` authenticated for `instanceId`, whose current connection is `holder` (if any). Resolves
   * once the newcomer may be upgraded (the dead holder, if any, is returned for the caller to drop) or must be refused.
   */
  async admit(instanceId: string, holder: VoiceHolder | undefined, remote: string): Promise<Verdict> {
    const other = this.probing.get(instanceId);
    if (other !== undefined) {
      this.mark(instanceId, [other, remote], `a third connection from ${remote} arrived while the one from ${other} was being checked`);
      return { admit: false, reason: 'another agent is connecting for this instance' };
    }
    if (holder === undefined) return { admit: true, replaced: null };
    if (holder.ws.readyState !== holder.ws.OPEN) return { admit: true, replaced: holder };
    this.probing.set(instanceId, remote);
    try {
      const alive = await this.probe(holder.ws);
      if (!alive) {
        this.opts.logger.info(
          `agent ${instanceId}: the connection from ${holder.remoteAddress} did not answer a ping within ${this.probeTimeoutMs} ms; the new one from ${remote} replaces it`,
        );
        return { admit: true, replaced: holder };
      }
      this.mark(
        instanceId,
        [holder.remoteAddress, remote],
        `a second agent from ${remote} tried to connect while the one from ${holder.remoteAddress} is connected and answering`,
      );
      return { admit: false, reason: 'another agent is connected for this instance' };
    } finally {
      this.probing.delete(instanceId);
    }
  }

  /**
   * Marks the instance contested now (also for callers that see two voices some other way): `live-token` two
   * connections with the current token, `stale-token` a revoked or superseded token knocking, `claim` an enrolment
   * claim for an instance whose agent is connected or was heard from recently.
   */
  mark(instanceId: string, addresses: readonly string[], what: string, kind: ContestKind = 'live-token'): Contest {
    const now = this.opts.now();
    const until = now + this.contestWindowMs;
    const prev = this.contests.get(instanceId);
    const fresh = prev === undefined || prev.until < now;
    const merged = fresh ? [...addresses] : [...prev.addresses, ...addresses.filter((a) => !prev.addresses.includes(a))];
    const c: Contest = { until, addresses: [...new Set(merged)].slice(0, MAX_ADDRESSES), since: fresh ? now : prev.since };
    this.contests.set(instanceId, c);
    try {
      this.opts.onMark?.(instanceId, c);
    } catch (err) {
      this.opts.logger.error(`sharing the contest of ${instanceId} failed`, err);
    }
    const text = contestText(instanceId, what, kind, c.addresses, until);
    if (fresh) {
      this.opts.logger.warn(text);
      try {
        this.listener?.(instanceId, c, text);
      } catch (err) {
        this.opts.logger.error(`contest listener failed for ${instanceId}`, err);
      }
    } else {
      this.opts.logger.debug(`agent ${instanceId}: still contested (${what})`);
    }
    return c;
  }

  /** Pings `ws`; true when it answers (pong or any frame) in time, false on timeout or close. */
  private probe(ws: WebSocket): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (v: boolean) => {
        clearTimeout(timer);
        ws.off('pong', yes);
        ws.off('message', yes);
        ws.off('close', no);
        resolve(v);
      };
      const yes = () => done(true);
      const no = () => done(false);
      const timer = setTimeout(no, this.probeTimeoutMs);
      ws.on('pong', yes);
      ws.on('message', yes);
      ws.on('close', no);
      try {
        ws.ping();
      } catch (err) {
        this.opts.logger.debug(`probe ping failed: ${(err as Error).message}`);
        done(false);
      }
    });
  }
}
