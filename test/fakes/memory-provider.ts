// An in-process Provider keeping instance state in memory, for unit tests of the executor and loop.
// Provider wire formats are tested against the HTTP fakes; this one only models behaviour (and failures).
import type { ProviderInstance, ProviderName } from '../../controller/src/domain/instance';
import { ProviderError } from '../../controller/src/domain/errors';
import type { Provider, ProviderCapabilities } from '../../controller/src/providers/provider';

export function memoryInstance(id: string, over: Partial<ProviderInstance> = {}): ProviderInstance {
  return {
    id: `vast:${id}`,
    provider: 'vast',
    providerId: id,
    name: `box-${id}`,
    state: 'running',
    rawState: 'running',
    gpuName: 'RTX 4090',
    numGpus: 1,
    pricePerHour: 0.5,
    stoppedPricePerHour: 0.02,
    createdAt: 0,
    ssh: null,
    labels: {},
    providerUtil: null,
    ...over,
  };
}

export class MemoryProvider implements Provider {
  readonly name: ProviderName;
  readonly capabilities: ProviderCapabilities = { pauseMeans: 'stop', pausedCost: 'storage', resumeMayLoseGpu: true, canPause: true, canDelete: true };
  readonly instances = new Map<string, ProviderInstance>();
  readonly calls: string[] = [];
  /** Next calls of this op fail with this error (consumed one per call). */
  failNext: { op: 'list' | 'get' | 'pause' | 'delete'; error: Error }[] = [];
  /** When true, pause/delete are accepted but the state never changes (a provider that lies). */
  ignoreActions = false;

  constructor(instances: ProviderInstance[] = [], name: ProviderName = 'vast') {
    this.name = name;
    for (const i of instances) this.instances.set(i.providerId, i);
  }
  private maybeFail(op: 'list' | 'get' | 'pause' | 'delete') {
    const i = this.failNext.findIndex((f) => f.op === op);
    if (i >= 0) throw this.failNext.splice(i, 1)[0]!.error;
  }
  async list(): Promise<ProviderInstance[]> {
    this.calls.push('list');
    this.maybeFail('list');
    return [...this.instances.values()].map((i) => ({ ...i }));
  }
  async get(id: string): Promise<ProviderInstance | null> {
    this.calls.push(`get ${id}`);
    this.maybeFail('get');
    const i = this.instances.get(id);
    return i ? { ...i } : null;
  }
  async pause(id: string): Promise<void> {
    this.calls.push(`pause ${id}`);
    this.maybeFail('pause');
    const i = this.instances.get(id);
    if (!i) throw new ProviderError({ provider: this.name, op: 'pause', message: 'no_such_instance', retryable: false, status: 404 });
    if (!this.ignoreActions) i.state = 'stopped';
  }
  async resume(id: string): Promise<void> {
    this.calls.push(`resume ${id}`);
    const i = this.instances.get(id);
    if (i) i.state = 'running';
  }
  async delete(id: string): Promise<void> {
    this.calls.push(`delete ${id}`);
    this.maybeFail('delete');
    if (!this.ignoreActions) this.instances.delete(id);
  }
}
