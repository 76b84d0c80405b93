// Google Cloud provider over @google-cloud/compute 6.x (lazy): aggregated or zonal list, get, stop/start/delete + operation wait.
import type { GcpConfig } from '../../config/config';
import { ProviderError, type ProviderOp } from '../../domain/errors';
import type { ProviderInstance } from '../../domain/instance';
import { errorMessage, type Logger, silentLogger } from '../../log';
import { createRedactor, type Redactor } from '../http/redact';
import { type RetryPolicy, resolveRetryPolicy } from '../../retry/retry-policy';
import { isRecord } from '../parse-helpers';
import type { Provider, ProviderCapabilities } from '../provider';
import { type GcpCallContext, gcpCall } from './gcp-call';
import { operationOf, waitForOperation } from './gcp-operations';
import { parseGcpInstance, parseGcpProviderId } from './gcp-parse';
import { createGcpClients, type GcpClients } from './gcp-sdk';

export interface GcpProviderOptions {
  logger?: Logger;
  /** Per HTTP request; default 30 s. */
  timeoutMs?: number;
  /** Per `operations/{op}/wait` request; default 150 s (the API answers after at most ~2 minutes). */
  waitTimeoutMs?: number;
  /** How long a stop/start/delete may take end to end before its outcome is called unknown; default 10 min. */
  operationTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

/** A project id alone, or the config (zone, endpoint, token, prices optional). */
export type GcpProviderConfig = string | (Pick<GcpConfig, 'projectId'> & Partial<GcpConfig>);

/**
 * The async iterators follow nextPageToken themselves; saying so explicitly silences gax's AutopaginateTrueWarning.
 * A fresh object per call: the client writes routing headers into the options it is given.
 */
const noAutoPaginate = () => ({ autoPaginate: false });

export const GCP_CAPABILITIES: ProviderCapabilities = {
  // Suspend is historically not supported for VMs with GPUs, so pause = stop (docs/providers.md).
  pauseMeans: 'stop the VM (instances.stop): vCPU, memory and GPU billing end; the VM reads TERMINATED',
  pausedCost: 'persistent disks and static IPs only',
  resumeMayLoseGpu: true,
  canPause: true,
  canDelete: true,
};

export class GcpProvider implements Provider {
  readonly name = 'gcp' as const;
  readonly capabilities = GCP_CAPABILITIES;
  readonly config: GcpConfig;
  private readonly logger: Logger;
  private readonly redact: Redactor;
  private readonly ctx: GcpCallContext;
  private readonly timeoutMs: number;
  private readonly waitTimeoutMs: number;
  private readonly operationTimeoutMs: number;
  private clients: Promise<GcpClients> | null = null;

  /** Nothing is loaded here: call `init()` (the registry does) or let the first call do it. */
  constructor(config: GcpProviderConfig, options: GcpProviderOptions = {}) {
    const c = typeof config === 'string' ? { projectId: config } : config;
    if (typeof c.projectId !== 'string' || c.projectId.trim() === '') throw new TypeError('GcpProvider: a project id is required');
    this.config = {
      projectId: c.projectId,
      zone: c.zone ?? null,
      apiEndpoint: c.apiEndpoint ?? null,
      accessToken: c.accessToken ?? null,
      prices: c.prices ?? {},
    };
    this.logger = options.logger ?? silentLogger;
    this.redact = createRedactor([this.config.accessToken]);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.waitTimeoutMs = options.waitTimeoutMs ?? 150_000;
    this.operationTimeoutMs = options.operationTimeoutMs ?? 600_000;
    const policy: RetryPolicy = resolveRetryPolicy(options.retry);
    this.ctx = { policy, logger: this.logger, redact: this.redact, attemptDeadlineMs: this.timeoutMs + 5_000 };
  }

  /** `new` + `init()`: resolves with a provider whose credentials were checked, or throws one ProviderError. */
  static async create(config: GcpProviderConfig, options: GcpProviderOptions = {}): Promise<GcpProvider> {
    const p = new GcpProvider(config, options);
    await p.init();
    return p;
  }

  /** Loads the SDK and checks the credentials once; a failure is a ProviderError (op 'init') and the next call tries again. */
  init(): Promise<void> {
    return this.ready().then(() => undefined);
  }

  async close(): Promise<void> {
    const pending = this.clients;
    this.clients = null;
    if (!pending) return;
    try {
      const c = await pending;
      await Promise.all([c.instances.close(), c.operations.close()]);
    } catch (err) {
      this.logger.debug(`gcp close: ${this.redact(errorMessage(err))}`);
    }
  }

  async list(signal?: AbortSignal): Promise<ProviderInstance[]> {
    const { instances } = await this.ready();
    const project = this.config.projectId;
    const zone = this.config.zone;
    // The pages are fetched inside the iteration, each bounded by the transport timeout; the backstop covers the whole walk.
    const ctx = { ...this.ctx, attemptDeadlineMs: this.ctx.attemptDeadlineMs * 20 };
    return gcpCall(
      ctx,
      'list',
      zone ? `list zone ${zone}` : 'aggregated list',
      true,
      async () => {
        const out: ProviderInstance[] = [];
        if (zone) {
          for await (const raw of instances.listAsync({ project, zone, returnPartialSuccess: true }, noAutoPaginate())) this.push(out, raw, zone);
          return out;
        }
        const unreachable: string[] = [];
        for await (const [scope, scoped] of instances.aggregatedListAsync({ project, returnPartialSuccess: true }, noAutoPaginate())) {
          const warning = isRecord(scoped) && isRecord(scoped.warning) ? scoped.warning : null;
          // NO_RESULTS_ON_PAGE is just an empty zone; anything else (UNREACHABLE) means that zone's VMs are missing.
          if (warning && warning['code'] !== 'NO_RESULTS_ON_PAGE') unreachable.push(`${scope} (${String(warning['code'])})`);
          for (const raw of isRecord(scoped) && Array.isArray(scoped.instances) ? scoped.instances : []) this.push(out, raw, scope);
        }
        if (unreachable.length > 0) {
          // A partial list would make the VMs of those zones look gone; unknown is never "gone", so fail the list.
          throw new ProviderError({ provider: 'gcp', op: 'list', message: `partial result, unreachable: ${unreachable.join(', ')}`, retryable: true });
        }
        return out;
      },
      signal,
    );
  }

  async get(providerId: string, signal?: AbortSignal): Promise<ProviderInstance | null> {
    const { zone, name } = this.parseId('get', providerId);
    const { instances } = await this.ready();
    try {
      const [raw] = await gcpCall(
        this.ctx,
        'get',
        `get ${zone}/${name}`,
        true,
        () => instances.get({ project: this.config.projectId, zone, instance: name }),
        signal,
      );
      const inst = parseGcpInstance(raw, zone, this.config.prices);
      if (inst === null) throw new ProviderError({ provider: 'gcp', op: 'get', message: `${zone}/${name}: response is not an instance`, retryable: false });
      return inst;
    } catch (err) {
      // Gone = 404 "The resource 'projects/p/zones/z/instances/<name>' was not found". A 404 about something else
      // (an unknown zone or project) must not make a live VM look deleted.
      if (err instanceof ProviderError && err.status === 404 && err.message.includes(`instances/${name}'`)) return null;
      throw err;
    }
  }

  pause(providerId: string, signal?: AbortSignal): Promise<void> {
    // No discardLocalSsd: a VM whose local SSD would be lost fails to stop instead of losing data.
    return this.mutate('pause', providerId, (api, req) => api.stop(req), signal);
  }

  resume(providerId: string, signal?: AbortSignal): Promise<void> {
    return this.mutate('resume', providerId, (api, req) => api.start(req), signal);
  }

  delete(providerId: string, signal?: AbortSignal): Promise<void> {
    return this.mutate('delete', providerId, (api, req) => api.delete(req), signal);
  }

  private async mutate(
    op: Extract<ProviderOp, 'pause' | 'resume' | 'delete'>,
    providerId: string,
    call: (api: GcpClients['instances'], req: { project: string; zone: string; instance: string }) => Promise<unknown[]>,
    signal?: AbortSignal,
  ): Promise<void> {
    const { zone, name } = this.parseId(op, providerId);
    const { instances, operations } = await this.ready();
    const project = this.config.projectId;
    // One request (then its operation); an unknown outcome is settled by executor/act-and-verify.ts with a re-read.
    let result: unknown[];
    try {
      result = await gcpCall(this.ctx, op, `${op} ${zone}/${name}`, false, () => call(instances, { project, zone, instance: name }), signal);
    } catch (err) {
      if (op === 'delete' && err instanceof ProviderError && err.status === 404) {
        this.logger.info(`gcp delete ${zone}/${name}: already gone`);
        return;
      }
      throw err;
    }
    const operation = operationOf(result);
    if (operation === null || typeof operation['name'] !== 'string') {
      throw new ProviderError({
        provider: 'gcp',
        op,
        message: `${zone}/${name}: the call returned no operation (outcome unknown)`,
        retryable: true,
        outcomeUnknown: true,
      });
    }
    await waitForOperation(operations, this.ctx, op, operation, { project, zone, name: operation['name'] }, this.operationTimeoutMs, signal);
  }

  private push(out: ProviderInstance[], raw: unknown, zoneHint: string): void {
    const inst = parseGcpInstance(raw, zoneHint, this.config.prices);
    if (inst === null) this.logger.warn('gcp list: skipped an instance object without a name or zone');
    else out.push(inst);
  }

  private parseId(op: ProviderOp, providerId: string): { zone: string; name: string } {
    const parsed = parseGcpProviderId(providerId);
    if (parsed === null) throw new ProviderError({ provider: 'gcp', op, message: 'not a GCP instance id (expected <zone>/<name>)', retryable: false });
    return parsed;
  }

  private ready(): Promise<GcpClients> {
    if (this.clients === null) {
      const pending = createGcpClients(this.config, { logger: this.logger, redact: this.redact, timeoutMs: this.timeoutMs, waitTimeoutMs: this.waitTimeoutMs });
      this.clients = pending;
      pending.catch((err: unknown) => {
        // Next call starts from scratch (new clients): a failed client is never used again (see gcp-rejection-guard.ts).
        if (this.clients === pending) this.clients = null;
        this.logger.error('gcp: initialization failed', err);
      });
    }
    return this.clients;
  }
}
