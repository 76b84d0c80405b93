// Lists every provider's instances for one cycle, concurrently; one provider failing never stops the others.
// Retries are not stacked: the provider clients already retry transient failures (providers/http/retry-policy.ts, the
// one backoff of provider calls), so by default a failed list waits for the next cycle. `attempts` > 1 is for
// providers that do not retry themselves (library users' own providers), with the same backoff.
import { ProviderError } from '../domain/errors';
import type { ProviderInstance, ProviderName } from '../domain/instance';
import { errorMessage, type Logger } from '../log';
import { backoffDelayMs, resolveRetryPolicy } from '../retry/retry-policy';
import type { Provider } from '../providers/provider';

export type InventoryOutcome =
  | { provider: ProviderName; ok: true; instances: ProviderInstance[]; attempts: number }
  | { provider: ProviderName; ok: false; error: string; attempts: number };

export interface InventoryOptions {
  /** Tries per cycle (default 1: the provider clients retry inside one try). */
  attempts?: number;
  /** Delay before the first extra try, before jitter (default 1 s, doubling). */
  baseDelayMs?: number;
  logger: Logger;
  signal?: AbortSignal;
}

async function listWithRetry(p: Provider, o: InventoryOptions): Promise<InventoryOutcome> {
  const attempts = Math.max(1, Math.floor(o.attempts ?? 1));
  const policy = resolveRetryPolicy({ baseDelayMs: o.baseDelayMs ?? 1000, factor: 2, maxDelayMs: 60_000, jitter: 0.5 });
  let last = '';
  for (let i = 1; i <= attempts; i++) {
    try {
      return { provider: p.name, ok: true, instances: await p.list(o.signal), attempts: i };
    } catch (err) {
      last = errorMessage(err);
      const retryable = !(err instanceof ProviderError) || err.retryable;
      o.logger.warn(`inventory ${p.name}: attempt ${i}/${attempts} failed: ${last}`);
      if (!retryable || i === attempts || o.signal?.aborted) return { provider: p.name, ok: false, error: last, attempts: i };
      await new Promise<void>((r) => setTimeout(r, backoffDelayMs(i - 1, policy)));
    }
  }
  return { provider: p.name, ok: false, error: last, attempts };
}

export function listAll(providers: readonly Provider[], o: InventoryOptions): Promise<InventoryOutcome[]> {
  return Promise.all(providers.map((p) => listWithRetry(p, o)));
}
