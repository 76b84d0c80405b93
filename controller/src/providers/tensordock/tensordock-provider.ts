// TensorDock provider: picks the v2 (Bearer token) or v0 (key + token, form posts) API and adds verified mutations.
import type { TensorDockConfig } from '../../config/config';
import { ProviderError, type ProviderOp } from '../../domain/errors';
import type { ProviderInstance } from '../../domain/instance';
import { type Logger, silentLogger } from '../../log';
import { HttpClient } from '../http/http-client';
import type { RetryPolicy } from '../../retry/retry-policy';
import type { Provider, ProviderCapabilities } from '../provider';
import { tensordockId } from './tensordock-instance';
import { TensorDockV0Api } from './tensordock-v0-api';
import { type TensorDockApi, TensorDockV2Api } from './tensordock-v2-api';

export const TENSORDOCK_V2_URL = 'https://dashboard.tensordock.com/api/v2';
export const TENSORDOCK_V0_URL = 'https://marketplace.tensordock.com/api/v0';

/** v2 documents 100 requests/minute per organization; v0 asks for about one request a second. */
export const TENSORDOCK_MIN_INTERVAL_MS = { v2: 600, v0: 1_000 } as const;

export interface TensorDockProviderOptions {
  /** Base URL including the version path; defaults to the public one for the version. */
  apiUrl?: string;
  logger?: Logger;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Spacing between any two calls (one budget for the whole API); tests use 0. */
  minIntervalMs?: number;
}

/** A token alone selects v2; key + token select v0 (the older Marketplace API the seed configured). */
export type TensorDockCredentials = string | { apiToken: string; apiKey?: string | null; version?: 'v0' | 'v2'; apiUrl?: string } | TensorDockConfig;

const V2_CAPABILITIES: ProviderCapabilities = {
  pauseMeans: 'stop the VM (POST /instances/{id}/stop)',
  // docs/providers.md has v2's stop call, not what a stopped VM bills; v0's notes say a released GPU bills nothing.
  pausedCost: 'storage while stopped (TensorDock does not document whether v2 stop releases the GPU); restart may depend on capacity',
  resumeMayLoseGpu: true,
  canPause: true,
  canDelete: true,
};

const V0_CAPABILITIES: ProviderCapabilities = {
  pauseMeans: 'stop the VM with disassociate_resources=true, releasing the GPU so GPU billing stops',
  pausedCost: 'storage only; restart depends on the host still having a free GPU',
  resumeMayLoseGpu: true,
  canPause: true,
  canDelete: true,
};

export class TensorDockProvider implements Provider {
  readonly name = 'tensordock' as const;
  readonly capabilities: ProviderCapabilities;
  readonly version: 'v0' | 'v2';
  /** The base URL in use, including the version path. */
  readonly apiUrl: string;
  private readonly api: TensorDockApi;
  private readonly logger: Logger;

  /**
   * `new TensorDockProvider(token)`: v2. `new TensorDockProvider(apiKey, apiToken)`: v0, as the seed wrote it.
   * Either form, or a credentials object, may be followed by options.
   */
  constructor(credentials: TensorDockCredentials, options?: TensorDockProviderOptions);
  constructor(apiKey: string, apiToken: string, options?: TensorDockProviderOptions);
  constructor(credentials: TensorDockCredentials, tokenOrOptions: string | TensorDockProviderOptions = {}, maybeOptions: TensorDockProviderOptions = {}) {
    const seedForm = typeof credentials === 'string' && typeof tokenOrOptions === 'string';
    const options = typeof tokenOrOptions === 'string' ? maybeOptions : tokenOrOptions;
    const c = seedForm ? { apiKey: credentials, apiToken: tokenOrOptions } : typeof credentials === 'string' ? { apiToken: credentials } : credentials;
    if (typeof c.apiToken !== 'string' || c.apiToken.trim() === '') throw new TypeError('TensorDockProvider: an API token is required');
    const apiKey = 'apiKey' in c && typeof c.apiKey === 'string' && c.apiKey.trim() !== '' ? c.apiKey : null;
    const version = ('version' in c && c.version) || (apiKey !== null ? 'v0' : 'v2');
    if (version === 'v0' && apiKey === null) throw new TypeError('TensorDockProvider: v0 needs an API key and an API token');
    this.version = version;
    this.logger = options.logger ?? silentLogger;
    const fromCredentials = 'apiUrl' in c && typeof c.apiUrl === 'string' && c.apiUrl !== '' ? c.apiUrl : undefined;
    this.apiUrl = (options.apiUrl ?? fromCredentials ?? (version === 'v0' ? TENSORDOCK_V0_URL : TENSORDOCK_V2_URL)).replace(/\/+$/, '');
    const http = new HttpClient({
      provider: 'tensordock',
      baseUrl: this.apiUrl,
      headers: version === 'v2' ? { authorization: `Bearer ${c.apiToken}` } : {},
      secrets: [c.apiToken, apiKey],
      timeoutMs: options.timeoutMs,
      retry: options.retry,
      minIntervalMs: { api: options.minIntervalMs ?? TENSORDOCK_MIN_INTERVAL_MS[version] },
      logger: this.logger,
    });
    this.api = version === 'v2' ? new TensorDockV2Api(http, this.logger) : new TensorDockV0Api(http, { apiKey: apiKey!, apiToken: c.apiToken }, this.logger);
    this.capabilities = version === 'v2' ? V2_CAPABILITIES : V0_CAPABILITIES;
  }

  list(signal?: AbortSignal): Promise<ProviderInstance[]> {
    return this.api.list(signal);
  }

  get(providerId: string, signal?: AbortSignal): Promise<ProviderInstance | null> {
    return this.api.get(this.id('get', providerId), signal);
  }

  pause(providerId: string, signal?: AbortSignal): Promise<void> {
    const id = this.id('pause', providerId);
    return this.api.stop(id, signal);
  }

  resume(providerId: string, signal?: AbortSignal): Promise<void> {
    const id = this.id('resume', providerId);
    return this.api.start(id, signal);
  }

  delete(providerId: string, signal?: AbortSignal): Promise<void> {
    const id = this.id('delete', providerId);
    return this.api.destroy(id, signal);
  }

  private id(op: ProviderOp, providerId: string): string {
    const id = tensordockId(providerId);
    if (id === null) throw new ProviderError({ provider: 'tensordock', op, message: 'not a TensorDock instance id', retryable: false });
    return id;
  }
}
