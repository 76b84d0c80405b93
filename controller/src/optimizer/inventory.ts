// Lists every provider's instances for one cycle: concurrently, retried with backoff within the cycle; one provider
// failing never stops the others.
import { ProviderError } from '../domain/errors';
import type { ProviderInstance, ProviderName } from '../domain/instance';
import { errorMessage, type Logger } from '../log';
import type { Provider } from '../providers/provider';

export type InventoryOutcome =
  | { provider: ProviderName; ok: true; instances: ProviderInstance[]; attempts: number }
  | { provider: ProviderName; ok: false; error: string; attempts: number };

export interface InventoryOptions {
  attempts?: number;
  baseDelayMs?: number;
  logger: Logger;
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function listWithRetry(p: Provider, o: InventoryOptions): Promise<InventoryOutcome> {
  const attempts = o.attempts ?? 3;
  let last = '';
  for (let i = 1; i <= attempts; i++) {
    try {
      return { provider: p.name, ok: true, instances: await p.list(o.signal), attempts: i };
    } catch (err) {
      last = errorMessage(err);
      const retryable = !(err instanceof ProviderError) || err.retryable;
      o.logger.warn(`inventory ${p.name}: attempt ${i}/${attempts} failed: ${last}`);
      if (!retryable || i === attempts || o.signal?.aborted) return { provider: p.name, ok: false, error: last, attempts: i };
      await sleep((o.baseDelayMs ?? 1000) * 2 ** (i - 1) * (0.5 + Math.random() / 2));
    }
  }
  return { provider: p.name, ok: false, error: last, attempts };
}

export function listAll(providers: readonly Provider[], o: InventoryOptions): Promise<InventoryOutcome[]> {
  return Promise.all(providers.map((p) => listWithRetry(p, o)));
}
