// POST /agent/enrol (protocol/enrolment.ts, docs/enrolment.md): an agent holding the fleet join token claims its
// instance and gets its own agent token when the claim checks out. Every refusal is the same 403 on the wire; the log
// line says which check failed.
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { ENROL_REFUSED, EnrolRequestSchema } from '../../../protocol';
import type { RouteModule } from '../http/app-context';
import { readJsonBody } from '../http/json-body';
import { type InstanceRecord, instanceIdProblem } from '../store';
import { checkClaim } from './claim-check';
import { bearerToken } from '../http-shared/bearer-token';
import { clientAddress } from '../http-shared/client-address';
import { ROUTES } from '../http-shared/route-table';

export interface EnrolRouteOptions {
  /** Honour X-Forwarded-For (TRUST_PROXY): only behind a proxy that sets it. */
  trustProxy: boolean;
  /** See ClaimFacts.grantCooldownMs; default 60 s. */
  grantCooldownMs?: number;
  /** See ClaimFacts.recentAgentMs; default 24 h (the agent's buffer bound): a grant never revokes a recently live agent's token. */
  recentAgentMs?: number;
  /** Refused claims one address may make per minute before it is answered 429 unread. Default 20. */
  failuresPerMinute?: number;
}

/** The other instances the providers list at `address` (not deleted); empty for no address. */
function neighbours(all: readonly InstanceRecord[], instanceId: string, address: string | null): string[] {
  if (address === null) return [];
  return all
    .filter((r) => r.id !== instanceId && r.provider !== 'manual' && r.lastInventoryAt !== null && r.state !== 'deleted' && r.publicAddress === address)
    .map((r) => r.id);
}

export function enrolRoutes(opts: EnrolRouteOptions): RouteModule {
  const cooldownMs = opts.grantCooldownMs ?? 60_000;
  /** Instance id -> time of its last grant, pruned as entries age past the cooldown. */
  const granted = new Map<string, number>();
  const recentAgentMs = opts.recentAgentMs ?? 86_400_000;
  // Refusals per source address (a guessed join token, a host claiming what it is not): past the allowance the address
  // gets 429 without a token lookup or a log line per try.
  const failures = new RateLimiterMemory({ points: opts.failuresPerMinute ?? 20, duration: 60 });
  const limitedLogged = new Set<string>();

  return (app, ctx) => {
    app.post(ROUTES.enrol.path, async (c) => {
      const now = ctx.now();
      const from = clientAddress(c, opts.trustProxy);
      const key = from ?? 'unknown';
      if (((await failures.get(key))?.remainingPoints ?? 1) <= 0) {
        if (!limitedLogged.has(key)) {
          if (limitedLogged.size > 10_000) limitedLogged.clear();
          limitedLogged.add(key);
          ctx.logger.warn(`enrolment claims from ${key} are rate-limited (too many refusals this minute)`);
        }
        return c.json({ error: ENROL_REFUSED }, 429);
      }
      limitedLogged.delete(key);
      const refuse = async (instanceId: string, reason: string) => {
        await failures.penalty(key, 1).catch(() => undefined);
        ctx.logger.warn(`enrolment refused: ${instanceId} from ${from ?? 'an unknown address'}: ${reason}`);
        return c.json({ error: ENROL_REFUSED }, 403);
      };
      const token = bearerToken(c.req.header('authorization'));
      const joinId = token === null ? null : ctx.store.joinTokenId(token, now);
      if (joinId === null) return refuse('(claim not read)', token === null ? 'no bearer token' : 'unknown, revoked or expired join token');
      const body = await readJsonBody(c, EnrolRequestSchema);
      if (!body.ok) return body.response;
      const { instanceId, source } = body.value;
      const problem = instanceIdProblem(instanceId);
      if (problem !== null) return c.json({ error: `invalid instanceId: ${problem}` }, 400);

      for (const [id, at] of granted) if (now - at >= cooldownMs) granted.delete(id);
      const record = ctx.store.getInstance(instanceId);
      const verdict = checkClaim({
        instanceId,
        record,
        agentConnected: ctx.ingest?.isConnected(instanceId) ?? false,
        contested: (ctx.ingest?.contested(instanceId) ?? null) !== null,
        lastAgentSampleAt: ctx.store.lastAgentSampleEnd(instanceId),
        recentAgentMs,
        remoteAddress: from,
        grantedAt: granted.get(instanceId) ?? null,
        now,
        grantCooldownMs: cooldownMs,
        sameAddress: neighbours(ctx.store.listInstances(), instanceId, record?.publicAddress ?? null),
      });
      if (!verdict.ok) {
        if (verdict.kind === 'has-agent' && ctx.ingest) {
          // A claim for an instance that already has a voice: whoever sent it holds the join token and says it is this
          // instance. That is a second voice, as two agents with one token are (one voice per instance).
          const holder = ctx.ingest.connection(instanceId);
          ctx.ingest.markContested(
            instanceId,
            holder === null ? [from ?? 'an unknown address'] : [holder.remoteAddress, from ?? 'an unknown address'],
            `an enrolment claim for it came from ${from ?? 'an unknown address'} (${verdict.reason})`,
          );
        }
        return refuse(instanceId, `${verdict.reason} (join token ${joinId}, identity from ${source})`);
      }
      const agentToken = ctx.store.grantEnrolment(instanceId, now, joinId);
      granted.set(instanceId, now);
      ctx.logger.info(`enrolment granted: ${instanceId} from ${from} (join token ${joinId}, identity from ${source}); earlier tokens of it revoked`);
      return c.json({ instanceId, token: agentToken }, 201);
    });
  };
}
