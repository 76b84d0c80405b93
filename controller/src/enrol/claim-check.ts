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
  /**
   * Other instances the providers' inventories list at the same public address (several Vast.ai or TensorDock
   * instances share one machine's address). Any one of them could be the claimant: the address proves nothing then.
   */
  sameAddress: readonly string[];
}

/**
 * `has-agent`: the instance has a voice already (connected, heard from recently, or contested); a claim for it is
 * a contest (ingest/voice-arbiter.ts). `refused`: any other failed check.
 */
export type ClaimVerdict = { ok: true } | { ok: false; reason: string; kind: 'has-agent' | 'refused' };

function refused(reason: string): ClaimVerdict {
  return { ok: false, reason, kind: 'refused' };
}

function hasAgent(reason: string): ClaimVerdict {
  return { ok: false, reason, kind: 'has-agent' };
}

export function checkClaim(f: ClaimFacts): ClaimVerdict {
  const r = f.record;
  if (r === null || r.provider === 'manual' || r.lastInventoryAt === null) {
    return refused('no provider inventory lists this instance');
  }
  if (r.state !== 'running') return refused(`its provider lists it as ${r.state} (${r.rawState}), not running`);
  if (f.agentConnected) return hasAgent('an agent is already connected for it');
  if (f.contested) return hasAgent('two agents are competing for it (one voice per instance)');
  if (f.lastAgentSampleAt !== null && f.now - f.lastAgentSampleAt < f.recentAgentMs) {
    return hasAgent(`its agent reported ${Math.round((f.now - f.lastAgentSampleAt) / 1000)} s ago (a reconnect gap is not a free slot)`);
  }
  if (f.grantedAt !== null && f.now - f.grantedAt < f.grantCooldownMs) {
    return refused(`a token was granted for it ${Math.round((f.now - f.grantedAt) / 1000)} s ago`);
  }
  const listed = r.publicAddress ?? null;
  if (listed === null) return refused('its provider lists no public address to check the connection against');
  if (f.remoteAddress === null) return refused('the connection has no known source address');
  if (f.remoteAddress !== listed) return refused(`the claim came from ${f.remoteAddress}, its provider lists ${listed}`);
  if (f.sameAddress.length > 0) {
    const others = f.sameAddress.slice(0, 5).join(', ') + (f.sameAddress.length > 5 ? `, ... (${f.sameAddress.length} in all)` : '');
    return refused(
      `its address ${listed} is shared with other listed instances (${others}): an address proves nothing when shared, and no stronger ` +
        `proof of identity (such as a signed instance identity token) is built; give this instance a token by hand (cost-optimizer token create ${f.instanceId})`,
    );
  }
  return { ok: true };
}
