// The simulated fleet: which instance plays which trace on which provider and GPU, the three provider fakes seeded
// with them (real wire formats, instant transitions), the real provider clients pointed at the fakes, and the
// fakes' ground truth (running / stopped / gone) that the scorer and the duplicate check read.
import { GcpProvider } from '../../controller/src/providers/gcp/gcp-provider';
import type { Provider } from '../../controller/src/providers/provider';
import { TensorDockProvider } from '../../controller/src/providers/tensordock/tensordock-provider';
import { VastAiProvider } from '../../controller/src/providers/vast/vast-provider';
import type { Logger } from '../../controller/src/log';
import type { RecordedRequest } from '../../controller/src/fake-world/fake-http';
import { type GcpFake, gcpInstance, startGcpFake } from '../../controller/src/fake-world/gcp-fake';
import { startTensorDockV2Fake, type TdV2Fake, tdV2Instance } from '../../controller/src/fake-world/tensordock-fake-v2';
import { startVastFake, type VastFake, vastInstance } from '../../controller/src/fake-world/vast-fake';
import { rng, type Trace } from '../traces/trace';
import type { TruthState } from './probe-provider';

export type SimProviderName = 'vast' | 'tensordock' | 'gcp';
export const SIM_PROVIDERS: readonly SimProviderName[] = ['vast', 'tensordock', 'gcp'];

/** One rentable GPU shape. Vast and TensorDock prices are set in the fake; GCP's come from the provider's price table. */
export interface GpuModel {
  gpu: string;
  memMiB: number;
  /** $/h for Vast (dph_total) and TensorDock (rateHourly). */
  price?: number;
  /** GCP machine type (and accelerator for N1). */
  machineType?: string;
  accelerator?: string;
}

/** Realistic on-demand shapes and prices per provider (2025 list prices, rounded). */
export const GPU_CATALOGUE: Record<SimProviderName, GpuModel[]> = {
  vast: [
    { gpu: 'RTX 4090', memMiB: 24_564, price: 0.4 },
    { gpu: 'RTX 3090', memMiB: 24_576, price: 0.22 },
    { gpu: 'RTX A6000', memMiB: 49_140, price: 0.55 },
    { gpu: 'H100 SXM', memMiB: 81_559, price: 2.2 },
  ],
  tensordock: [
    { gpu: 'geforcertx4090-pcie-24gb', memMiB: 24_564, price: 0.35 },
    { gpu: 'rtxa6000-pcie-48gb', memMiB: 49_140, price: 0.45 },
    { gpu: 'a100-pcie-80gb', memMiB: 81_920, price: 1.2 },
    { gpu: 'h100-sxm5-80gb', memMiB: 81_559, price: 2.25 },
  ],
  gcp: [
    { gpu: 'T4', memMiB: 15_360, machineType: 'n1-standard-8', accelerator: 'nvidia-tesla-t4' },
    { gpu: 'L4', memMiB: 23_034, machineType: 'g2-standard-8' },
    { gpu: 'A100 40GB', memMiB: 40_960, machineType: 'a2-highgpu-1g' },
  ],
};

/**
 * TensorDock's API gives no price for a stopped VM (docs/providers.md); the score charges this for its disk
 * (100 GB at about $0.10/GB-month).
 */
export const TENSORDOCK_STOPPED_PRICE_ASSUMED = 0.014;

export interface SimInstanceSpec {
  /** Short harness name, e.g. `i017`; also names the instance at the provider. */
  key: string;
  provider: SimProviderName;
  trace: Trace;
  model: GpuModel;
}

export interface SimInstance extends SimInstanceSpec {
  /** The controller's id: `vast:7100017`, `tensordock:<uuid>`, `gcp:<zone>/<name>`. */
  id: string;
  providerId: string;
}

const traceCache = new Map<string, Trace>();

/** One trace object per (factory, seed): instances that share it share the per-minute and scoring caches. */
export function sharedTrace(factory: (seed?: number) => Trace, seed: number): Trace {
  const key = `${factory.name}#${seed}`;
  let t = traceCache.get(key);
  if (!t) {
    t = factory(seed);
    traceCache.set(key, t);
  }
  return t;
}

export interface LayoutOptions {
  count: number;
  traces: readonly ((seed?: number) => Trace)[];
  seed: number;
  providers?: readonly SimProviderName[];
  /** Distinct trace seeds per workload (noise variants); instances beyond that share them. */
  variantsPerTrace?: number;
  /**
   * false (default): the first round of workloads goes to the first provider, the next round to the second...
   * true: consecutive instances go to consecutive providers (shifted by one), so even one round spans them all.
   */
  rotate?: boolean;
}

/** A deterministic fleet: workloads round-robin, each workload spread over the providers, GPU picked by the seed. */
export function fleetLayout(o: LayoutOptions): SimInstanceSpec[] {
  const providers = o.providers ?? SIM_PROVIDERS;
  const variants = Math.max(1, o.variantsPerTrace ?? 3);
  const pick = rng(o.seed);
  const out: SimInstanceSpec[] = [];
  for (let k = 0; k < o.count; k++) {
    const factory = o.traces[k % o.traces.length]!;
    const round = Math.floor(k / o.traces.length);
    // A workload tied to one provider (forgotten TensorDock v2 instances) goes there when the run includes it.
    const pinned = factory().provider;
    const provider = pinned !== undefined && providers.includes(pinned) ? pinned : providers[(o.rotate ? k + 1 + round : round) % providers.length]!;
    const cat = GPU_CATALOGUE[provider];
    const traceSeed = 1000 * ((k % o.traces.length) + 1) + (round % variants);
    out.push({ key: `i${String(k).padStart(3, '0')}`, provider, trace: sharedTrace(factory, traceSeed), model: cat[Math.floor(pick() * cat.length)]! });
  }
  return out;
}

export interface FleetOptions {
  epochMs: number;
  /** Virtual clock: the fakes stamp their operations with it. */
  now: () => number;
  logger: Logger;
  /** Per-request timeout of the provider clients (hangs cost this much wall time). */
  timeoutMs: number;
  retry: { maxRetries: number; baseDelayMs: number; maxDelayMs: number; factor: number; jitter: number };
}

/** A pause or delete request as it reached a fake, with the instance's state there just before it was handled. */
export interface WireAction {
  provider: SimProviderName;
  providerId: string;
  op: 'pause' | 'delete';
  before: TruthState;
  /** Virtual epoch ms. */
  at: number;
}

export interface Fleet {
  instances: SimInstance[];
  /** Every pause/delete request the fakes received (from the controller or a killed one); resumes are not listed. */
  wire: WireAction[];
  vast: VastFake | null;
  tensordock: TdV2Fake | null;
  gcp: GcpFake | null;
  providerNames: SimProviderName[];
  truth(inst: SimInstance): TruthState;
  /** Fresh clients of the real providers (one set per controller process, one for the "user"). */
  makeProviders(): Promise<Map<SimProviderName, Provider>>;
  /** Vast's own gpu_util figure in the list (a snapshot the provider takes), null when unreadable. */
  setVastUtil(inst: SimInstance, util: number | null): void;
  close(): Promise<void>;
}

const TD_UUID = (k: number) => `5e1a0000-0000-4000-8000-${String(k).padStart(12, '0')}`;
const GCP_ZONES = ['us-central1-a', 'europe-west4-a'];

export async function startFleet(specs: readonly SimInstanceSpec[], o: FleetOptions): Promise<Fleet> {
  const has = (p: SimProviderName) => specs.some((s) => s.provider === p);
  const created = new Date(o.epochMs).toISOString();
  const instances: SimInstance[] = specs.map((s, k) => {
    if (s.provider === 'vast') {
      const id = 7_100_000 + k;
      return { ...s, id: `vast:${id}`, providerId: String(id) };
    }
    if (s.provider === 'tensordock') return { ...s, id: `tensordock:${TD_UUID(k)}`, providerId: TD_UUID(k) };
    const pid = `${GCP_ZONES[k % GCP_ZONES.length]}/sim-${s.key}`;
    return { ...s, id: `gcp:${pid}`, providerId: pid };
  });
  const of = (p: SimProviderName) => instances.filter((i) => i.provider === p);
  const label = (i: SimInstance) => `sim-${i.key}-${i.trace.name}`;

  const vast = has('vast')
    ? await startVastFake({
        now: o.now,
        instances: of('vast').map((i) =>
          vastInstance({
            id: Number(i.providerId),
            label: label(i),
            gpuName: i.model.gpu,
            dphTotal: i.model.price,
            startDate: o.epochMs / 1000,
            raw: { gpu_totalram: i.model.memMiB },
          }),
        ),
      })
    : null;
  const tensordock = has('tensordock')
    ? await startTensorDockV2Fake({
        now: o.now,
        instances: of('tensordock').map((i) => tdV2Instance({ id: i.providerId, name: label(i), gpuName: i.model.gpu, rateHourly: i.model.price })),
      })
    : null;
  const gcp = has('gcp')
    ? await startGcpFake({
        now: o.now,
        instances: of('gcp').map((i) => {
          const [zone, name] = i.providerId.split('/') as [string, string];
          const accelerators = i.model.accelerator ? [{ type: i.model.accelerator, count: 1 }] : undefined;
          return gcpInstance({ name, zone, machineType: i.model.machineType, accelerators, creationTimestamp: created, labels: { trace: i.trace.name } });
        }),
      })
    : null;

  const truth = (i: SimInstance): TruthState => {
    if (i.provider === 'vast') {
      const raw = vast?.instances.get(Number(i.providerId));
      if (!raw) return 'gone';
      if (raw['intended_status'] === 'stopped' && raw['actual_status'] === 'exited') return 'stopped';
      if (raw['intended_status'] === 'running' && raw['actual_status'] === 'running') return 'running';
      return 'transitional';
    }
    if (i.provider === 'tensordock') {
      const raw = tensordock?.instances.get(i.providerId);
      if (!raw) return 'gone';
      return raw.status === 'running' ? 'running' : raw.status === 'stopped' ? 'stopped' : 'transitional';
    }
    const raw = gcp?.instances.get(i.providerId);
    if (!raw) return 'gone';
    return raw.status === 'RUNNING' ? 'running' : raw.status === 'TERMINATED' || raw.status === 'SUSPENDED' ? 'stopped' : 'transitional';
  };

  // Watch the fakes' request logs as requests arrive (before the fake acts): a pause reaching an instance that is
  // already stopped, or a delete reaching one already gone, was sent twice, whatever the provider client's retries.
  const wire: WireAction[] = [];
  const byPid = new Map(instances.map((i) => [`${i.provider}|${i.providerId}`, i]));
  const watch = (
    provider: SimProviderName,
    log: RecordedRequest[] | undefined,
    classify: (r: RecordedRequest) => { op: 'pause' | 'delete'; pid: string } | null,
  ) => {
    if (!log) return;
    const push = log.push.bind(log);
    log.push = (...items: RecordedRequest[]) => {
      for (const r of items) {
        const c = classify(r);
        const inst = c ? byPid.get(`${provider}|${c.pid}`) : undefined;
        if (c && inst) wire.push({ provider, providerId: c.pid, op: c.op, before: truth(inst), at: o.now() });
      }
      return push(...items);
    };
  };
  watch('vast', vast?.requests, (r) => {
    const m = /^\/api\/v0\/instances\/(\d+)\/$/.exec(r.path);
    if (!m) return null;
    if (r.method === 'DELETE') return { op: 'delete', pid: m[1]! };
    return r.method === 'PUT' && (r.json as { state?: unknown } | undefined)?.state === 'stopped' ? { op: 'pause', pid: m[1]! } : null;
  });
  watch('tensordock', tensordock?.requests, (r) => {
    const m = /^\/api\/v2\/instances\/([A-Za-z0-9-]+)(\/stop)?$/.exec(r.path);
    if (!m) return null;
    if (r.method === 'DELETE' && !m[2]) return { op: 'delete', pid: m[1]! };
    return r.method === 'POST' && m[2] ? { op: 'pause', pid: m[1]! } : null;
  });
  watch('gcp', gcp?.requests, (r) => {
    const m = /\/zones\/([a-z0-9-]+)\/instances\/([a-z0-9-]+)(\/stop)?$/.exec(r.path);
    if (!m) return null;
    const pid = `${m[1]}/${m[2]}`;
    if (r.method === 'DELETE' && !m[3]) return { op: 'delete', pid };
    return r.method === 'POST' && m[3] ? { op: 'pause', pid } : null;
  });

  const opened: GcpProvider[] = [];
  const makeProviders = async () => {
    const m = new Map<SimProviderName, Provider>();
    const common = { logger: o.logger, timeoutMs: o.timeoutMs, retry: o.retry };
    if (vast)
      m.set('vast', new VastAiProvider({ apiKey: vast.apiKey, apiUrl: vast.url }, { ...common, minIntervalMs: { list: 0, show: 0, put: 0, destroy: 0 } }));
    if (tensordock) m.set('tensordock', new TensorDockProvider(tensordock.token, { ...common, apiUrl: tensordock.apiUrl, minIntervalMs: 0 }));
    if (gcp) {
      const p = await GcpProvider.create(
        { projectId: gcp.project, apiEndpoint: gcp.url, accessToken: gcp.accessToken },
        { ...common, waitTimeoutMs: o.timeoutMs * 4 },
      );
      opened.push(p);
      m.set('gcp', p);
    }
    return m;
  };

  return {
    instances,
    wire,
    vast,
    tensordock,
    gcp,
    providerNames: SIM_PROVIDERS.filter(has),
    truth,
    makeProviders,
    setVastUtil(i, util) {
      const raw = vast?.instances.get(Number(i.providerId));
      if (raw && raw['actual_status'] === 'running') raw['gpu_util'] = util;
    },
    async close() {
      await Promise.all(opened.map((p) => p.close()));
      await Promise.all([vast?.close(), tensordock?.close(), gcp?.close()]);
    },
  };
}
