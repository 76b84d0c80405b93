// Vast.ai provider: list (v1, paginated), show, stop/start (PUT state), destroy; Bearer auth, per-endpoint spacing.
import type { VastConfig } from '../../config/config';
import type { ProviderOp } from '../../domain/errors';
import type { ProviderInstance } from '../../domain/instance';
import { errorMessage, type Logger, silentLogger } from '../../log';
import { HttpClient, type HttpResponse } from '../http/http-client';
import type { RetryPolicy } from '../../retry/retry-policy';
import type { Provider, ProviderCapabilities } from '../provider';
import { parseVastInstance, parseVastListPage, parseVastShow, vastErrorCode, vastErrorText } from './vast-parse';

export const VAST_DEFAULT_URL = 'https://console.vast.ai';

/** Vast.ai's documented minimum spacing per endpoint and key (docs/providers.md): about 1/s for list and PUT, 2 s show, 3 s destroy. */
export const VAST_MIN_INTERVALS_MS = { list: 1_000, show: 2_000, put: 1_000, destroy: 3_000 } as const;
export type VastEndpoint = keyof typeof VAST_MIN_INTERVALS_MS;

export interface VastProviderOptions {
  /** Base URL without `/api/...`; default https://console.vast.ai. */
  apiUrl?: string;
  logger?: Logger;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Override the per-endpoint spacing (tests use 0). */
  minIntervalMs?: Partial<Record<VastEndpoint, number>>;
  /** Page size for the v1 list; Vast serves at most 25. */
  pageSize?: number;
  /** Stop following next_token after this many pages (a loop guard); default 1000. */
  maxPages?: number;
}

export const VAST_CAPABILITIES: ProviderCapabilities = {
  pauseMeans: 'stop the instance (PUT state=stopped): the container stops and the GPU is released',
  pausedCost: 'storage only (storage_total_cost per hour); only destroy ends storage charges',
  resumeMayLoseGpu: true,
  canPause: true,
  canDelete: true,
};

export class VastAiProvider implements Provider {
  readonly name = 'vast' as const;
  readonly capabilities = VAST_CAPABILITIES;
  /** The base URL in use (no secrets in it: the key travels in the Authorization header). */
  readonly apiUrl: string;
  private readonly http: HttpClient;
  private readonly logger: Logger;
  private readonly pageSize: number;
  private readonly maxPages: number;

  /** `new VastAiProvider('key')` uses the public API; pass a VastConfig or options.apiUrl to point elsewhere. */
  constructor(apiKeyOrConfig: string | VastConfig, options: VastProviderOptions = {}) {
    const cfg = typeof apiKeyOrConfig === 'string' ? { apiKey: apiKeyOrConfig, apiUrl: options.apiUrl ?? VAST_DEFAULT_URL } : apiKeyOrConfig;
    if (typeof cfg.apiKey !== 'string' || cfg.apiKey.trim() === '') throw new TypeError('VastAiProvider: an API key is required');
    this.logger = options.logger ?? silentLogger;
    this.pageSize = Math.min(25, Math.max(1, Math.floor(options.pageSize ?? 25)));
    this.maxPages = Math.max(1, options.maxPages ?? 1000);
    this.apiUrl = (options.apiUrl ?? cfg.apiUrl ?? VAST_DEFAULT_URL).replace(/\/+$/, '');
    this.http = new HttpClient({
      provider: 'vast',
      baseUrl: this.apiUrl,
      headers: { authorization: `Bearer ${cfg.apiKey}` },
      secrets: [cfg.apiKey],
      timeoutMs: options.timeoutMs,
      retry: options.retry,
      minIntervalMs: { ...VAST_MIN_INTERVALS_MS, ...(options.minIntervalMs ?? {}) },
      logger: this.logger,
    });
  }

  async list(signal?: AbortSignal): Promise<ProviderInstance[]> {
    const out: ProviderInstance[] = [];
    const seenTokens = new Set<string>();
    let token: string | null = null;
    for (let page = 0; ; page++) {
      if (page >= this.maxPages) throw this.http.error('list', `more than ${this.maxPages} pages; giving up`, { retryable: false });
      const res = await this.http.request({
        op: 'list',
        method: 'GET',
        path: '/api/v1/instances/',
        query: { limit: this.pageSize, after_token: token },
        endpoint: 'list',
        signal,
      });
      const parsed = this.parseOrThrow('list', res, parseVastListPage);
      for (const raw of parsed.instances) {
        const inst = parseVastInstance(raw);
        if (inst === null) this.logger.warn('vast list: skipped an instance object without a numeric id');
        else out.push(inst);
      }
      if (parsed.nextToken === null) return out;
      if (seenTokens.has(parsed.nextToken)) throw this.http.error('list', 'next_token repeats; the listing would loop', { retryable: true });
      seenTokens.add(parsed.nextToken);
      token = parsed.nextToken;
    }
  }

  async get(providerId: string, signal?: AbortSignal): Promise<ProviderInstance | null> {
    const id = this.checkId('get', providerId);
    const res = await this.http.request({
      op: 'get',
      method: 'GET',
      path: `/api/v0/instances/${id}/`,
      query: { owner: 'me' },
      endpoint: 'show',
      signal,
      acceptStatus: [404],
    });
    if (res.status === 404) {
      // Gone is `{"instances": null}` with 200; a 404 counts as gone only with Vast's own codes. Any other 404 (an
      // unknown route, an HTML page from a wrong base URL) must not make a live instance look deleted.
      if (['no_such_instance', 'not_found'].includes(vastErrorCode(res.json))) return null;
      throw this.http.error('get', `GET /api/v0/instances/${id}/: HTTP 404 without Vast's not_found code (wrong VAST_API_URL?)`, {
        retryable: false,
        status: 404,
      });
    }
    const raw = this.parseOrThrow('get', res, parseVastShow);
    if (raw === null) return null;
    const inst = parseVastInstance(raw);
    if (inst === null) throw this.http.error('get', `show ${id}: instance object has no numeric id`, { retryable: false });
    // Destroyed but still shown (`cur_state: "unloaded"`): gone, as Provider.get promises (null), like the others.
    return inst.state === 'deleted' ? null : inst;
  }

  pause(providerId: string, signal?: AbortSignal): Promise<void> {
    return this.setState('pause', providerId, 'stopped', signal);
  }

  resume(providerId: string, signal?: AbortSignal): Promise<void> {
    return this.setState('resume', providerId, 'running', signal);
  }

  async delete(providerId: string, signal?: AbortSignal): Promise<void> {
    const id = this.checkId('delete', providerId);
    // One request; an unknown outcome is settled by executor/act-and-verify.ts with a re-read.
    const res = await this.http.request({
      op: 'delete',
      method: 'DELETE',
      path: `/api/v0/instances/${id}/`,
      json: {}, // Vast: DELETE always sends a body, `{}` when empty.
      endpoint: 'destroy',
      idempotent: false,
      signal,
      acceptStatus: [404],
    });
    if (res.status === 404) {
      // 404 `{"success":false,"error":"not_found"}`: already gone, which is what delete wants. Any other 404 (a
      // wrong VAST_API_URL, an HTML page) is an error, as in get(): a delete must never be reported done unseen.
      if (!['no_such_instance', 'not_found'].includes(vastErrorCode(res.json))) {
        throw this.http.error('delete', `DELETE /api/v0/instances/${id}/: HTTP 404 without Vast's not_found code (wrong VAST_API_URL?)`, {
          retryable: false,
          status: 404,
        });
      }
      this.logger.info(`vast delete ${id}: already gone (${vastErrorText(res.json)})`);
      return;
    }
    this.checkSuccess('delete', res);
  }

  private async setState(op: 'pause' | 'resume', providerId: string, state: 'stopped' | 'running', signal?: AbortSignal): Promise<void> {
    const id = this.checkId(op, providerId);
    const res = await this.http.request({
      op,
      method: 'PUT',
      path: `/api/v0/instances/${id}/`,
      json: { state },
      endpoint: 'put',
      idempotent: false,
      signal,
    });
    this.checkSuccess(op, res);
  }

  /** 2xx bodies can still say `{"success":false,...}`. */
  private checkSuccess(op: ProviderOp, res: HttpResponse): void {
    if (res.json === undefined) throw this.http.error(op, `HTTP ${res.status} with a body that is not JSON`, { retryable: false, status: res.status });
    const body = res.json as Record<string, unknown>;
    if (typeof body === 'object' && body !== null && body['success'] === false) {
      throw this.http.error(op, `refused: ${vastErrorText(body)}`, { retryable: false, status: res.status });
    }
  }

  private parseOrThrow<T>(op: ProviderOp, res: HttpResponse, parse: (body: unknown) => T): T {
    if (res.json === undefined) throw this.http.error(op, `HTTP ${res.status} with a body that is not JSON`, { retryable: false, status: res.status });
    try {
      return parse(res.json);
    } catch (err) {
      throw this.http.error(op, errorMessage(err), { retryable: false, status: res.status });
    }
  }

  private checkId(op: ProviderOp, providerId: string): string {
    const id = String(providerId).replace(/^vast:/, '');
    if (!/^\d+$/.test(id)) throw this.http.error(op, `"${id}" is not a Vast.ai instance id (digits only)`, { retryable: false });
    return id;
  }
}
