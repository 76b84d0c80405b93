// The one owner of acting on an instance at its provider: send the call (after the fence), settle an unknown outcome
// by re-reading the instance (did it take effect?), send again only what surely did not land, and verify that the
// state took effect (re-read until stopped or gone). Provider clients only speak the wire: one call, one request.
// Every wait goes through retry/with-retry.ts with the policy below.
import { callVerdict, type EffectOp, effectComplete } from '../domain/action-effect';
import { ProviderError } from '../domain/errors';
import type { ProviderInstance } from '../domain/instance';
import type { Logger } from '../log';
import type { Provider } from '../providers/provider';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../retry/retry-policy';
import { type Sleep, withRetry } from '../retry/with-retry';

/** The retry policy of acting: how often a call that did not land is sent again, and how long the result is awaited. */
export interface ActPolicy {
  /** Sending again a call that surely did not land (refused with 429, never sent, or a re-read shows nothing changed). */
  resend: RetryPolicy;
  /** Re-reading until the effect is complete: `maxRetries + 1` reads. */
  settle: RetryPolicy;
}

/** `reads` re-reads, `delayMs` apart, no jitter: the verification's wait for a stop or a delete to finish. */
export function settlePolicy(reads: number, delayMs: number): RetryPolicy {
  return { maxRetries: Math.max(0, Math.floor(reads) - 1), baseDelayMs: delayMs, factor: 1, maxDelayMs: delayMs, jitter: 0 };
}

/** Resends as the provider clients always did (3, from 0.4 s doubling, jittered); 12 reads 5 s apart to see the result. */
export const DEFAULT_ACT_POLICY: ActPolicy = { resend: DEFAULT_RETRY_POLICY, settle: settlePolicy(12, 5_000) };

export interface ActDeps {
  logger: Logger;
  policy?: ActPolicy;
  /**
   * Why this process must not change anything at the provider now (it no longer holds the leader lease), or null.
   * Asked right before every call that changes something, each resend included; re-reads are not fenced.
   */
  fence?: () => string | null;
  /** Injected so that tests need no real time. */
  sleep?: Sleep;
  random?: () => number;
  signal?: AbortSignal;
}

/** How an act ended: it took effect (`confirmed`: seen by a re-read after an unknown outcome), was fenced, or failed. */
export type ActOutcome = { kind: 'done'; confirmed: boolean } | { kind: 'fenced'; why: string } | { kind: 'failed'; error: Error };

/** As ActOutcome, and for a call that took effect, whether the effect completed (the state last read). */
export type VerifiedOutcome = { kind: 'done'; state: string } | { kind: 'unverified'; state: string } | Exclude<ActOutcome, { kind: 'done' }>;

/** The fence said no: nothing was sent. */
class Fenced extends Error {
  override name = 'Fenced';
  constructor(readonly why: string) {
    super(`not acted: ${why}`);
  }
}

/** A failed send that may be sent again as the same first request; carries the provider's error. */
class Resend extends Error {
  override name = 'Resend';
  constructor(
    readonly original: Error,
    /** What the log says about it before the wait. */
    readonly note: string,
  ) {
    super(original.message);
  }
}

/** The state the verification last read did not show the effect complete. */
class NotSettled extends Error {
  override name = 'NotSettled';
  constructor(readonly state: string) {
    super(`not settled: ${state}`);
  }
}

/** One read of the instance for a decision: the instance, null when gone, or the error (never thrown). */
export async function readInstance(provider: Provider, providerId: string, signal?: AbortSignal): Promise<ProviderInstance | null | Error> {
  try {
    return await provider.get(providerId, signal);
  } catch (err) {
    return err instanceof Error ? err : new ProviderError({ provider: provider.name, op: 'get', message: String(err), retryable: true });
  }
}

function send(provider: Provider, op: EffectOp, providerId: string, signal?: AbortSignal): Promise<void> {
  if (op === 'pause') return provider.pause(providerId, signal);
  if (op === 'resume') return provider.resume(providerId, signal);
  return provider.delete(providerId, signal);
}

/**
 * Sends pause, resume or delete so that it is never sent twice when it took effect: a call whose outcome is unknown
 * (timeout, 5xx, reset after sending) is followed by a re-read; landed = done, unchanged = sent again (after the
 * backoff and the fence), anything else = failed, never guessed. A call the provider surely did not act on
 * (`safeToResend`) is sent again without a re-read.
 */
export async function act(provider: Provider, op: EffectOp, providerId: string, d: ActDeps): Promise<ActOutcome> {
  const what = `${provider.name} ${op} ${providerId}`;
  const policy = d.policy ?? DEFAULT_ACT_POLICY;
  try {
    const confirmed = await withRetry(
      async () => {
        const why = d.fence?.() ?? null;
        if (why !== null) throw new Fenced(why);
        try {
          await send(provider, op, providerId, d.signal);
          return false;
        } catch (err) {
          return settleUnknown(provider, op, providerId, what, err, d);
        }
      },
      {
        policy: policy.resend,
        retryable: (err) => err instanceof Resend,
        onRetry: (err, _n, delay) => d.logger.warn(`${what}: ${(err as Resend).note}; sending again in ${delay} ms`),
        signal: d.signal,
        sleep: d.sleep,
        random: d.random,
      },
    );
    return { kind: 'done', confirmed };
  } catch (err) {
    if (err instanceof Fenced) return { kind: 'fenced', why: err.why };
    if (err instanceof Resend) return { kind: 'failed', error: err.original };
    return { kind: 'failed', error: err instanceof Error ? err : new Error(String(err)) };
  }
}

/** After a failed send: true when a re-read shows it landed; throws Resend when sending again is safe, else the error. */
async function settleUnknown(provider: Provider, op: EffectOp, providerId: string, what: string, err: unknown, d: ActDeps): Promise<boolean> {
  if (!(err instanceof ProviderError)) throw err;
  if (err.safeToResend) throw new Resend(err, `nothing happened (${err.message})`);
  if (!err.outcomeUnknown || d.signal?.aborted) throw err;
  d.logger.warn(`${what}: outcome unknown (${err.message}); re-reading the instance before deciding`);
  let inst: ProviderInstance | null;
  try {
    inst = await provider.get(providerId, d.signal);
  } catch (readErr) {
    d.logger.error(`${what}: re-read after an unknown outcome failed; not resending`, readErr);
    throw err;
  }
  const verdict = callVerdict(op, inst === null ? 'gone' : inst.state);
  if (verdict === 'done') {
    d.logger.info(`${what}: the provider shows ${inst === null ? 'the instance gone' : `state ${inst.state}`}: the call went through`);
    return true;
  }
  if (verdict === 'ambiguous') {
    d.logger.warn(`${what}: state after an unknown outcome is ${inst?.state ?? 'gone'} (${inst?.rawState ?? '-'}); not resending`);
    throw err;
  }
  throw new Resend(err, `still ${inst?.state}, the call did not land`);
}

/** Re-reads until the effect is complete (paused = stopped, deleted = gone), as `settle` allows; never throws. */
export async function verifyEffect(provider: Provider, op: 'pause' | 'delete', providerId: string, d: ActDeps): Promise<{ ok: boolean; state: string }> {
  const policy = d.policy ?? DEFAULT_ACT_POLICY;
  let state = 'unread';
  try {
    state = await withRetry(
      async () => {
        const r = await readInstance(provider, providerId, d.signal);
        state = r instanceof Error ? `re-read failed: ${r.message}` : r === null ? 'gone' : r.state;
        if (r instanceof Error || !effectComplete(op, r === null ? 'gone' : r.state)) throw new NotSettled(state);
        return state;
      },
      { policy: policy.settle, retryable: () => true, signal: d.signal, sleep: d.sleep },
    );
    return { ok: true, state };
  } catch (err) {
    if (!(err instanceof NotSettled)) throw err;
    return { ok: false, state: err.state };
  }
}

/** Acts, then verifies that the state took effect: the executor's pause and delete. */
export async function actAndVerify(provider: Provider, op: 'pause' | 'delete', providerId: string, d: ActDeps): Promise<VerifiedOutcome> {
  const acted = await act(provider, op, providerId, d);
  if (acted.kind !== 'done') return acted;
  const verified = await verifyEffect(provider, op, providerId, d);
  return verified.ok ? { kind: 'done', state: verified.state } : { kind: 'unverified', state: verified.state };
}
