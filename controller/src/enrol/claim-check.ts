// The checks a join-token claim must pass before the controller grants an agent token (docs/enrolment.md). Pure:
// everything it needs is passed in. The reason is for the controller's log only, never for the caller.
import type { InstanceRecord } from '../store';

export interface ClaimFacts {
  instanceId: string;
  /** What the store knows of the instance (its provider's last inventory), or null. */
  record: InstanceRecord | null;
  /** True while an agent connection is live for the instance. */
  agentConnected: boolean;
  /** True while two agents compete for the instance (the one-voice rule): no new voice is granted then. */
  contested: boolean;
  /** End of the newest sample an agent stored for the instance, or null: a claim right after it is refused. */
  lastAgentSampleAt: number | null;
  /** An agent heard from within this long keeps its instance: a claim in a reconnect gap would lock the real agent out. */
  recentAgentMs: number;
  /** The address the claim came from (IPv4-mapped IPv6 already unwrapped), or null when unknown. */
  remoteAddress: string | null;
  /** When a claim for this instance was last granted, if recently. */
  grantedAt: number | null;
  now: number;
  /** A second claim within this long of a grant is refused: two claimants racing for one instance get one token. */
  grantCooldownMs: number;
}

export type ClaimVerdict = { ok: true } | { ok: false; reason: string };

export function checkClaim(f: ClaimFacts): ClaimVerdict {
  const r = f.record;
  if (r === null || r.provider === 'manual' || r.lastInventoryAt === null) {
    return { ok: false, reason: 'no provider inventory lists this instance' };
  }
  if (r.state !== 'running') return { ok: false, reason: `its provider lists it as ${r.state} (${r.rawState}), not running` };
  if (f.agentConnected) return { ok: false, reason: 'an agent is already connected for it' };
  if (f.contested) return { ok: false, reason: 'two agents are competing for it (one voice per instance)' };
  if (f.lastAgentSampleAt !== null && f.now - f.lastAgentSampleAt < f.recentAgentMs) {
    return { ok: false, reason: `its agent reported ${Math.round((f.now - f.lastAgentSampleAt) / 1000)} s ago (a reconnect gap is not a free slot)` };
  }
  if (f.grantedAt !== null && f.now - f.grantedAt < f.grantCooldownMs) {
    return { ok: false, reason: `a token was granted for it ${Math.round((f.now - f.grantedAt) / 1000)} s ago` };
  }
  const listed = r.publicAddress ?? null;
  if (listed === null) return { ok: false, reason: 'its provider lists no public address to check the connection against' };
  if (f.remoteAddress === null) return { ok: false, reason: 'the connection has no known source address' };
  if (f.remoteAddress !== listed) return { ok: false, reason: `the claim came from ${f.remoteAddress}, its provider lists ${listed}` };
  return { ok: true };
}
