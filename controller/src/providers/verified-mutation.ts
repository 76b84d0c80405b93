// Runs pause/resume/delete so that a call whose outcome is unknown is never blindly resent: re-read the instance, then decide.
import { ProviderError, type ProviderOp } from '../domain/errors';
import { callVerdict, type Verdict } from '../domain/action-effect';
import type { ProviderInstance } from '../domain/instance';
import { errorMessage, type Logger } from '../log';
import { backoffDelayMs, type RetryPolicy, sleep } from '../retry/retry-policy';

export type MutationOp = Extract<ProviderOp, 'pause' | 'resume' | 'delete'>;

export type { Verdict };

/** The verdict of domain/action-effect.ts on a re-read instance (null = gone). */
export function verdictFor(op: MutationOp, inst: ProviderInstance | null): Verdict {
  return callVerdict(op, inst === null ? 'gone' : inst.state);
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
