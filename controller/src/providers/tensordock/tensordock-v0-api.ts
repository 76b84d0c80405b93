// TensorDock v0 (Marketplace): every call is a form-encoded POST carrying api_key and api_token; errors are `{"success":false}`.
import type { ProviderOp } from '../../domain/errors';
import type { ProviderInstance } from '../../domain/instance';
import { errorMessage, type Logger } from '../../log';
import type { HttpClient, HttpResponse } from '../http/http-client';
import type { TensorDockApi } from './tensordock-v2-api';
import { parseV0Instance, v0Failure, v0ListEntries } from './tensordock-v0-parse';

/** v0 answers errors with HTTP 200 or 4xx; these 4xx come back to us so the body's message can be read. */
const BODY_ERROR_STATUSES = [400, 404, 409, 410, 422] as const;
const GONE = /not\s*found|does not exist|no such|invalid server|already terminated|already deleted|terminated/i;

export class TensorDockV0Api implements TensorDockApi {
  readonly version = 'v0' as const;
  constructor(
    readonly http: HttpClient,
    private readonly creds: { apiKey: string; apiToken: string },
    private readonly logger: Logger,
  ) {}

  async list(signal?: AbortSignal): Promise<ProviderInstance[]> {
    const res = await this.post('list', '/client/list', {}, true, signal);
    let entries: [string | null, unknown][];
    try {
      entries = v0ListEntries(this.json('list', res));
    } catch (err) {
      throw this.http.error('list', errorMessage(err), { retryable: false, status: res.status });
    }
    const out: ProviderInstance[] = [];
    for (const [id, raw] of entries) {
      const inst = parseV0Instance(id, raw);
      if (inst === null) this.logger.warn('tensordock list: skipped a VM entry without an id or object');
      else out.push(inst);
    }
    return out;
  }

  async get(id: string, signal?: AbortSignal): Promise<ProviderInstance | null> {
    const res = await this.post('get', '/client/get/single', { server: id }, true, signal);
    const body = this.json('get', res);
    const failure = v0Failure(body);
    if (failure !== null) {
      if (GONE.test(failure)) return null;
      throw this.failure('get', res, failure);
    }
    const vm = (body as Record<string, unknown>)['virtualmachine'];
    const inst = parseV0Instance(id, vm);
    if (inst === null) throw this.http.error('get', `VM ${id}: response has no "virtualmachine" object`, { retryable: false, status: res.status });
    return inst.state === 'deleted' ? null : inst;
  }

  async stop(id: string, signal?: AbortSignal): Promise<void> {
    // Without disassociate_resources=true the GPU stays reserved and keeps billing at the running rate
    // (docs/providers.md, secondary source); a pause that saves money must release it.
    const res = await this.post('pause', '/client/stop/single', { server: id, disassociate_resources: 'true' }, false, signal);
    this.expectSuccess('pause', res);
  }

  async start(id: string, signal?: AbortSignal): Promise<void> {
    const res = await this.post('resume', '/client/start/single', { server: id }, false, signal);
    this.expectSuccess('resume', res);
  }

  async destroy(id: string, signal?: AbortSignal): Promise<void> {
    const res = await this.post('delete', '/client/delete/single', { server: id }, false, signal);
    const failure = v0Failure(this.json('delete', res));
    if (failure === null) return;
    // Deleting an already-terminated VM answers an error containing "already terminated": it is gone, as wanted.
    if (/already terminated|already deleted|not\s*found|does not exist/i.test(failure)) {
      this.logger.info(`tensordock delete ${id}: already gone (${this.http.redact(failure)})`);
      return;
    }
    throw this.failure('delete', res, failure);
  }

  private post(op: ProviderOp, path: string, fields: Record<string, string>, idempotent: boolean, signal?: AbortSignal): Promise<HttpResponse> {
    return this.http.request({
      op,
      method: 'POST',
      path,
      form: { api_key: this.creds.apiKey, api_token: this.creds.apiToken, ...fields },
      endpoint: 'api',
      // list and get only read, although they are POSTs: resending them is harmless.
      idempotent,
      signal,
      acceptStatus: BODY_ERROR_STATUSES,
    });
  }

  private expectSuccess(op: ProviderOp, res: HttpResponse): void {
    const failure = v0Failure(this.json(op, res));
    if (failure !== null) throw this.failure(op, res, failure);
  }

  private json(op: ProviderOp, res: HttpResponse): unknown {
    if (res.json === undefined) throw this.http.error(op, `HTTP ${res.status} with a body that is not JSON`, { retryable: false, status: res.status });
    return res.json;
  }

  private failure(op: ProviderOp, res: HttpResponse, message: string) {
    return this.http.error(op, `refused (HTTP ${res.status}): ${message}`, { retryable: false, status: res.status });
  }
}
