// The static list of provider types, and building the configured providers at start-up (GCP loads lazily and checks credentials).
import type { Config } from '../config/config';
import { ProviderError } from '../domain/errors';
import type { ProviderName } from '../domain/instance';
import type { Logger } from '../log';
import type { RetryPolicy } from '../retry/retry-policy';
import { GcpProvider } from './gcp/gcp-provider';
import type { Provider } from './provider';
import { TensorDockProvider } from './tensordock/tensordock-provider';
import { VastAiProvider } from './vast/vast-provider';

/** Library users write `addProvider(ProviderType.VastAi, new VastAiProvider(key))`. */
export const ProviderType = {
  VastAi: 'vast',
  TensorDock: 'tensordock',
  Gcp: 'gcp',
} as const satisfies Record<string, ProviderName>;
export type ProviderType = (typeof ProviderType)[keyof typeof ProviderType];

/** Shared knobs for every provider built from config (tests shrink them). */
export interface ProviderBuildOptions {
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Vast.ai per-endpoint spacing and TensorDock's global spacing; undefined = the providers' documented limits. */
  minIntervalMs?: number;
}

/**
 * Builds every provider the config names, in a fixed order (vast, tensordock, gcp). GCP's SDK is imported only
 * when GCP is configured, and its credentials are checked here: a missing or bad credential rejects with ONE
 * ProviderError (op 'init') naming the fix, so start-up fails with a clear line instead of a later crash.
 */
export async function createProvidersFromConfig(
  config: Pick<Config, 'vast' | 'tensordock' | 'gcp'> & Partial<Pick<Config, 'providerTimeoutSec'>>,
  logger: Logger,
  options: ProviderBuildOptions = {},
): Promise<Provider[]> {
  const out: Provider[] = [];
  const timeoutMs = options.timeoutMs ?? (config.providerTimeoutSec === undefined ? undefined : config.providerTimeoutSec * 1000);
  const common = { logger, timeoutMs, retry: options.retry };
  if (config.vast) {
    const ms = options.minIntervalMs;
    out.push(new VastAiProvider(config.vast, { ...common, ...(ms === undefined ? {} : { minIntervalMs: { list: ms, show: ms, put: ms, destroy: ms } }) }));
  }
  if (config.tensordock) out.push(new TensorDockProvider(config.tensordock, { ...common, minIntervalMs: options.minIntervalMs }));
  if (config.gcp) {
    // GcpProvider itself is light: @google-cloud/compute (seconds, ~190 MiB) is imported by init(), only here.
    try {
      out.push(await GcpProvider.create(config.gcp, common));
    } catch (err) {
      if (err instanceof ProviderError) throw err;
      throw new ProviderError({ provider: 'gcp', op: 'init', message: err instanceof Error ? err.message : String(err), retryable: false });
    }
  }
  for (const p of out) logger.info(`provider ${p.name}: pause = ${p.capabilities.pauseMeans}`);
  return out;
}
