// Runs pause/resume/delete so that a call whose outcome is unknown is never blindly resent: re-read the instance, then decide.
import { ProviderError, type ProviderOp } from '../domain/errors';
import type { InstanceState, ProviderInstance } from '../domain/instance';
import { errorMessage, type Logger } from '../log';
import { backoffDelayMs, type RetryPolicy, sleep } from './http/retry-policy';

export type MutationOp = Extract<ProviderOp, 'pause' | 'resume' | 'delete'>;

/** What the re-read says about an attempt whose outcome was unknown. */
export type Verdict = 'done' | 'not-done' | 'ambiguous';

/**
 * done: the provider shows the effect (or its start), so the call went through.
 * not-done: the instance is exactly as before, so the call did not land and sending it again is the same request.
 * ambiguous: anything else (unknown state, a transition we did not ask for): stop and report, never guess.
 */
export function verdictFor(op: MutationOp, inst: ProviderInstance | null): Verdict {
  const state: InstanceState | 'gone' = inst === null ? 'gone' : inst.state;
  switch (op) {
    case 'pause':
      if (state === 'stopped' || state === 'stopping') return 'done';
      if (state === 'running') return 'not-done';
      return 'ambiguous';
    case 'resume':
      if (state === 'running' || state === 'starting') return 'done';
      if (state === 'stopped') return 'not-done';
      return 'ambiguous';
    case 'delete':
      if (state === 'gone' || state === 'deleted') return 'done';
      if (state === 'running' || state === 'stopped') return 'not-done';
      return 'ambiguous';
  }
}

export interface VerifiedMutationOptions {
  provider: string;
  op: MutationOp;
  providerId: string;
  /** Sends the call once (and, where the provider has operations, waits for it). */
  send: () => Promise<void>;
  /** Re-reads the instance; null = gone. */
  reread: () => Promise<ProviderInstance | null>;
  policy: RetryPolicy;
  logger: Logger;
  signal?: AbortSignal;
  random?: () => number;
}

export async function verifiedMutation(o: VerifiedMutationOptions): Promise<void> {
  const what = `${o.provider} ${o.op} ${o.providerId}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await o.send();
      return;
    } catch (err) {
      if (!(err instanceof ProviderError) || !err.outcomeUnknown) throw err;
      if (o.signal?.aborted) throw err;
      o.logger.warn(`${what}: outcome unknown (${err.message}); re-reading the instance before deciding`);
      let inst: ProviderInstance | null;
      try {
        inst = await o.reread();
      } catch (readErr) {
        o.logger.error(`${what}: re-read after an unknown outcome failed; not resending`, readErr);
        throw err;
      }
      const verdict = verdictFor(o.op, inst);
      if (verdict === 'done') {
        o.logger.info(`${what}: the provider shows ${inst === null ? 'the instance gone' : `state ${inst.state}`}: the call went through`);
        return;
      }
      if (verdict === 'ambiguous') {
        o.logger.warn(`${what}: state after an unknown outcome is ${inst?.state ?? 'gone'} (${inst?.rawState ?? '-'}); not resending`);
        throw err;
      }
      if (attempt >= o.policy.maxRetries) throw err;
      const delay = backoffDelayMs(attempt, o.policy, o.random);
      o.logger.warn(`${what}: still ${inst?.state}, the call did not land; sending again in ${delay} ms`);
      try {
        await sleep(delay, o.signal);
      } catch (abortErr) {
        o.logger.debug(`${what}: aborted while waiting to resend: ${errorMessage(abortErr)}`);
        throw err;
      }
    }
  }
}
