// Lists every provider's instances for one cycle, concurrently; one provider failing never stops the others.
// Retries are not stacked: the provider clients already retry transient failures of reads (retry/with-retry.ts, the
// one backoff), so by default a failed list waits for the next cycle. `attempts` > 1 is for providers that do not
// retry themselves (library users' own providers), through the same helper.
import { ProviderError } from '../domain/errors';
import type { ProviderInstance, ProviderName } from '../domain/instance';
import { errorMessage, type Logger } from '../log';
import { resolveRetryPolicy } from '../retry/retry-policy';
import { withRetry } from '../retry/with-retry';
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
  const policy = resolveRetryPolicy({ maxRetries: attempts - 1, baseDelayMs: o.baseDelayMs ?? 1000, factor: 2, maxDelayMs: 60_000, jitter: 0.5 });
  let tries = 0;
  try {
    const instances = await withRetry(
      async (n) => {
        tries = n + 1;
        try {
          return await p.list(o.signal);
        } catch (err) {
          o.logger.warn(`inventory ${p.name}: attempt ${tries}/${attempts} failed: ${errorMessage(err)}`);
          throw err;
        }
      },
      { policy, retryable: (err) => !(err instanceof ProviderError) || err.retryable, signal: o.signal },
    );
    return { provider: p.name, ok: true, instances, attempts: tries };
  } catch (err) {
    return { provider: p.name, ok: false, error: errorMessage(err), attempts: tries };
  }
}

export function listAll(providers: readonly Provider[], o: InventoryOptions): Promise<InventoryOutcome[]> {
  return Promise.all(providers.map((p) => listWithRetry(p, o)));
}
