// TensorDock v2 (dashboard.tensordock.com/api/v2): Bearer token, JSON, no trailing slashes, errors possibly inside HTTP 200.
import type { ProviderOp } from '../../domain/errors';
import type { ProviderInstance } from '../../domain/instance';
import { errorMessage, type Logger } from '../../log';
import type { HttpClient, HttpResponse } from '../http/http-client';
import { parseV2Instance, v2BodyError, v2ListItems } from './tensordock-v2-parse';

export interface TensorDockApi {
  readonly version: 'v0' | 'v2';
  readonly http: HttpClient;
  list(signal?: AbortSignal): Promise<ProviderInstance[]>;
  get(id: string, signal?: AbortSignal): Promise<ProviderInstance | null>;
  /** One request each; executor/act-and-verify.ts settles an unknown outcome. */
  stop(id: string, signal?: AbortSignal): Promise<void>;
  start(id: string, signal?: AbortSignal): Promise<void>;
  destroy(id: string, signal?: AbortSignal): Promise<void>;
}

export class TensorDockV2Api implements TensorDockApi {
  readonly version = 'v2' as const;
  constructor(
    readonly http: HttpClient,
    private readonly logger: Logger,
  ) {}

  async list(signal?: AbortSignal): Promise<ProviderInstance[]> {
    const res = await this.http.request({ op: 'list', method: 'GET', path: '/instances', endpoint: 'api', signal });
    const body = this.json('list', res);
    let items: unknown[];
    try {
      items = v2ListItems(body);
    } catch (err) {
      throw this.http.error('list', errorMessage(err), { retryable: false, status: res.status });
    }
    const out: ProviderInstance[] = [];
    for (const item of items) {
      const inst = parseV2Instance(item);
      if (inst === null) this.logger.warn('tensordock list: skipped an instance object without an id');
      else out.push(inst);
    }
    return out;
  }

  async get(id: string, signal?: AbortSignal): Promise<ProviderInstance | null> {
    // 404 on GET means gone (docs/providers.md [seen]).
    const res = await this.http.request({ op: 'get', method: 'GET', path: `/instances/${id}`, endpoint: 'api', signal, acceptStatus: [404] });
    if (res.status === 404) return null;
    const body = this.json('get', res, true);
    if (body === null) return null;
    const inst = parseV2Instance(body);
    if (inst === null) throw this.http.error('get', `instance ${id}: response is not an instance object`, { retryable: false, status: res.status });
    return inst.state === 'deleted' ? null : inst;
  }

  stop(id: string, signal?: AbortSignal): Promise<void> {
    return this.action('pause', `/instances/${id}/stop`, signal);
  }

  start(id: string, signal?: AbortSignal): Promise<void> {
    return this.action('resume', `/instances/${id}/start`, signal);
  }

  async destroy(id: string, signal?: AbortSignal): Promise<void> {
    const res = await this.http.request({
      op: 'delete',
      method: 'DELETE',
      path: `/instances/${id}`,
      endpoint: 'api',
      idempotent: false,
      signal,
      acceptStatus: [404],
    });
    // 404 on DELETE means already gone, which is what delete wants.
    if (res.status === 404 || this.json('delete', res, true) === null) this.logger.info(`tensordock delete ${id}: already gone`);
  }

  private async action(op: 'pause' | 'resume', path: string, signal?: AbortSignal): Promise<void> {
    // No body: v2 start/stop take none, and Content-Type is only sent with a body.
    const res = await this.http.request({ op, method: 'POST', path, endpoint: 'api', idempotent: false, signal });
    this.json(op, res);
  }

  /**
   * The JSON body, with in-body errors raised as ProviderError. With `goneIsNull`, an in-body 404 (or a
   * "not found" message) returns null instead: gone.
   */
  private json(op: ProviderOp, res: HttpResponse, goneIsNull = false): unknown {
    if (res.json === undefined) throw this.http.error(op, `HTTP ${res.status} with a body that is not JSON`, { retryable: false, status: res.status });
    const e = v2BodyError(res.json);
    if (e === null) return res.json;
    if (goneIsNull && (e.status === 404 || /not\s*found|does not exist/i.test(e.message))) return null;
    const status = e.status ?? res.status;
    throw this.http.error(op, `error in HTTP ${res.status} body: ${e.message} (status ${e.status ?? 'none'})`, {
      retryable: status === 429 || status >= 500,
      status,
    });
  }
}
