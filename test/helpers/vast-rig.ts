// The set-up most end-to-end and attack tests share: the Vast.ai fake and the built controller (serve) watching it,
// started in beforeAll and torn down in afterAll, and the compressed engine timings they run on.
import { startVastFake, type VastFake, vastInstance, type VastRawInstance, type VastSeed } from '../../controller/src/fake-world/vast-fake';
import { ensureBuilt } from './build';
import { killAllAgents } from './spawn-agent';
import { killAllControllers, spawnController, type SpawnedController } from './spawn-controller';
import type { TempDir } from './temp-dir';
import type { WebhookReceiver } from './webhook-receiver';

/**
 * Engine timings compressed from minutes to seconds, so a pause happens within a test's minute: a cycle every second,
 * a 6-second pause window of at least 5 samples no more than 3 s apart, an agent silent after 5 s, no minimum
 * instance age. A test overrides single values by spreading this first.
 */
export const COMPRESSED_TIMINGS: Readonly<Record<string, string>> = {
  PAUSE_WINDOW_MINUTES: '0.1',
  MIN_SAMPLES: '5',
  MAX_GAP_SECONDS: '3',
  CHECK_INTERVAL: '1',
  AGENT_SILENT_SECONDS: '5',
  MIN_INSTANCE_AGE_HOURS: '0',
};

/** How many stop calls (PUT state "stopped") the Vast.ai fake received for instance `id`. */
export function stopCalls(vast: VastFake, id: number): number {
  return vast.requests.filter(
    (r) => r.method === 'PUT' && r.path === `/api/v0/instances/${id}/` && (r.json as { state?: string } | undefined)?.state === 'stopped',
  ).length;
}

/** Vast.ai's fields of an instance with no SSH route: only an agent can report on it. */
export const NO_SSH = { ssh_host: null, ssh_port: null, public_ipaddr: null, ports: {} };

/** A running Vast.ai instance started two hours ago with no SSH route (its agent is the only voice); `seed` adds to it. */
export function agentOnlyInstance(seed: VastSeed): VastRawInstance {
  return vastInstance({ startDate: Math.floor(Date.now() / 1000) - 7200, raw: NO_SSH, ...seed });
}

export interface VastRigOptions {
  dataDir: string;
  instances: VastRawInstance[];
  /** How long the fake's stop and start transitions take (default: at once). */
  transitionMs?: number;
  /** The controller's environment besides the fake's key and URL (which come first, so a test can still override them). */
  env?: Record<string, string>;
}

export interface VastRig {
  vast: VastFake;
  controller: SpawnedController;
  /** A new controller with the same options (after the test stopped or killed the first one). */
  respawn(): Promise<SpawnedController>;
}

/** Builds if needed, starts the Vast.ai fake with `instances`, then a controller on it. */
export async function startVastRig(opts: VastRigOptions): Promise<VastRig> {
  ensureBuilt();
  const vast = await startVastFake({ transitionMs: opts.transitionMs, instances: opts.instances });
  const spawnOpts = { dataDir: opts.dataDir, env: { VAST_API_KEY: vast.apiKey, VAST_API_URL: vast.url, ...opts.env } };
  try {
    return { vast, controller: await spawnController(spawnOpts), respawn: () => spawnController(spawnOpts) };
  } catch (err) {
    // The caller never gets the fake to close: close it here.
    await vast.close();
    throw err;
  }
}

/** For afterAll: every agent and controller this process started, then whichever of the parts were started. */
export async function stopVastRig(parts: { controller?: SpawnedController; vast?: VastFake; hook?: WebhookReceiver; tmp?: TempDir }): Promise<void> {
  killAllAgents();
  await parts.controller?.stop();
  killAllControllers();
  await parts.vast?.close();
  await parts.hook?.close();
  parts.tmp?.cleanup();
}
