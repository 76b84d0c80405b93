// Loads @google-cloud/compute lazily (2-3 s, ~190 MiB: only when GCP is configured), builds the clients and checks credentials once.
import type { GcpConfig } from '../../config/config';
import { ProviderError } from '../../domain/errors';
import { errorMessage, type Logger } from '../../log';
import type { Redactor } from '../http/redact';
import { installGcpRejectionGuard, rememberGcpInitFailure } from './gcp-rejection-guard';

/** The part of InstancesClient we use, typed loosely: responses are parsed tolerantly anyway. */
export interface InstancesApi {
  initialize(): Promise<unknown>;
  aggregatedListAsync(
    req: { project: string; returnPartialSuccess?: boolean; filter?: string },
    opts?: { autoPaginate?: boolean },
  ): AsyncIterable<[string, { instances?: unknown[] | null; warning?: unknown }]>;
  listAsync(req: { project: string; zone: string; returnPartialSuccess?: boolean; filter?: string }, opts?: { autoPaginate?: boolean }): AsyncIterable<unknown>;
  get(req: { project: string; zone: string; instance: string }): Promise<unknown[]>;
  stop(req: { project: string; zone: string; instance: string }): Promise<unknown[]>;
  start(req: { project: string; zone: string; instance: string }): Promise<unknown[]>;
  delete(req: { project: string; zone: string; instance: string }): Promise<unknown[]>;
  close(): Promise<void>;
}

export interface ZoneOperationsApi {
  initialize(): Promise<unknown>;
  wait(req: { project: string; zone: string; operation: string }): Promise<unknown[]>;
  close(): Promise<void>;
}

export interface GcpClients {
  instances: InstancesApi;
  operations: ZoneOperationsApi;
}

export interface GcpSdkOptions {
  logger: Logger;
  redact: Redactor;
  /** Per HTTP request (transport-level abort). */
  timeoutMs: number;
  /** For `operations/{op}/wait`, which the API holds open up to ~2 minutes. */
  waitTimeoutMs: number;
}

let computeModule: Promise<typeof import('@google-cloud/compute')> | null = null;

/** The dynamic import, shared by every GcpProvider of the process. */
export function loadComputeModule(): Promise<typeof import('@google-cloud/compute')> {
  computeModule ??= import('@google-cloud/compute').catch((err: unknown) => {
    computeModule = null;
    throw err;
  });
  return computeModule;
}

/** `http://host:port` (a local fake) -> the client's endpoint options; https URLs keep TLS and their port. */
export function endpointOptions(apiEndpoint: string | null): { apiEndpoint?: string; port?: number; protocol?: string } {
  if (apiEndpoint === null) return {};
  const u = new URL(apiEndpoint);
  const http = u.protocol === 'http:';
  // Without `port` the client silently goes to 443; without protocol 'http' it speaks TLS (docs/providers.md).
  return { apiEndpoint: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : http ? 80 : 443, protocol: http ? 'http' : 'https' };
}

type FetchLike = (input: unknown, init?: Record<string, unknown>) => Promise<unknown>;

/** Every request the client makes goes through the auth client's fetch: bound each one with a timeout there. */
function addTimeouts(authClient: { fetch: FetchLike }, o: GcpSdkOptions): void {
  const original = authClient.fetch.bind(authClient);
  authClient.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : String((input as { url?: unknown })?.url ?? '');
    const ms = /\/operations\/[^/?]+\/wait(\?|$)/.test(url) ? o.waitTimeoutMs : o.timeoutMs;
    const timeout = AbortSignal.timeout(ms);
    const signal = init?.['signal'] instanceof AbortSignal ? AbortSignal.any([init['signal'], timeout]) : timeout;
    return original(input, { ...(init ?? {}), signal });
  };
}

function initError(message: string): ProviderError {
  return new ProviderError({ provider: 'gcp', op: 'init', message, retryable: false });
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Loads the SDK, resolves credentials (GCP_ACCESS_TOKEN, else Application Default Credentials), gets one access
 * token as a cheap auth check, then initializes both clients. Any failure becomes ONE ProviderError (op 'init')
 * here, instead of the uncaught exception the client would raise later from a background callback.
 */
export async function createGcpClients(cfg: GcpConfig, o: GcpSdkOptions): Promise<GcpClients> {
  installGcpRejectionGuard(o.logger);
  let compute: typeof import('@google-cloud/compute');
  let auth: typeof import('google-auth-library');
  try {
    [compute, auth] = await Promise.all([loadComputeModule(), import('google-auth-library')]);
  } catch (err) {
    throw initError(`cannot load @google-cloud/compute: ${o.redact(errorMessage(err))}`);
  }

  let authClient: InstanceType<typeof auth.OAuth2Client> | Awaited<ReturnType<InstanceType<typeof auth.GoogleAuth>['getClient']>>;
  if (cfg.accessToken !== null) {
    const client = new auth.OAuth2Client();
    client.setCredentials({ access_token: cfg.accessToken });
    authClient = client;
  } else {
    try {
      const google = new auth.GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
      authClient = await withTimeout(google.getClient(), o.timeoutMs, 'finding Application Default Credentials');
    } catch (err) {
      rememberGcpInitFailure(err);
      throw initError(
        `no usable Google credentials (${o.redact(errorMessage(err))}); set GCP_ACCESS_TOKEN, or GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, or run on a VM with a service account`,
      );
    }
  }
  try {
    const token = await withTimeout(authClient.getAccessToken(), o.timeoutMs, 'getting an access token');
    if (!token?.token) throw new Error('the credentials produced no access token');
  } catch (err) {
    rememberGcpInitFailure(err);
    throw initError(`credentials rejected: ${o.redact(errorMessage(err))}`);
  }
  addTimeouts(authClient as unknown as { fetch: FetchLike }, o);

  const options = { ...endpointOptions(cfg.apiEndpoint), authClient, fallback: true };
  let instances: InstancesApi;
  let operations: ZoneOperationsApi;
  try {
    instances = new compute.InstancesClient(options) as unknown as InstancesApi;
    operations = new compute.ZoneOperationsClient(options) as unknown as ZoneOperationsApi;
    await withTimeout(Promise.all([instances.initialize(), operations.initialize()]), o.timeoutMs, 'initializing the Compute Engine client');
  } catch (err) {
    rememberGcpInitFailure(err);
    throw initError(`cannot initialize the Compute Engine client: ${o.redact(errorMessage(err))}`);
  }
  return { instances, operations };
}
