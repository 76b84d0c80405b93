// The demo's fleet: which simulated instances exist, on which provider fake, and what their GPUs do over time.
import type { FakeState } from '../fake-world/fake-nvidia-smi';

export type DemoBehaviour = 'idle' | 'busy' | 'bursty' | 'mig' | 'ssh-idle';

export interface DemoHost {
  /** Key in the fleet, also the agent's working name. */
  key: string;
  provider: 'vast' | 'tensordock' | 'gcp';
  label: string;
  behaviour: DemoBehaviour;
  gpuName: string;
  numGpus: number;
  pricePerHour: number;
  /** No agent: the controller reaches it over SSH (only when sshd is installed). */
  viaSsh?: boolean;
  /** The team whose join token enrolls its agent (docs/owners.md); the demo shows two teams and their spend. */
  team?: 'vision' | 'nlp';
}

export const DEMO_FLEET: DemoHost[] = [
  { key: 'notebook', provider: 'vast', label: 'notebook-left-on', behaviour: 'idle', gpuName: 'RTX 4090', numGpus: 1, pricePerHour: 0.4, team: 'vision' },
  { key: 'trainer', provider: 'vast', label: 'llama-finetune', behaviour: 'busy', gpuName: 'RTX 4090', numGpus: 2, pricePerHour: 0.8, team: 'vision' },
  { key: 'protected', provider: 'vast', label: 'customer-demo [protect]', behaviour: 'idle', gpuName: 'A100 SXM4', numGpus: 1, pricePerHour: 1.1 },
  {
    key: 'inference',
    provider: 'tensordock',
    label: 'inference-bursty',
    behaviour: 'bursty',
    gpuName: 'rtxa6000-pcie-48gb',
    numGpus: 1,
    pricePerHour: 0.55,
    team: 'nlp',
  },
  { key: 'mig', provider: 'tensordock', label: 'mig-h100-busy', behaviour: 'mig', gpuName: 'h100-sxm5-80gb', numGpus: 1, pricePerHour: 2.2, team: 'nlp' },
  { key: 'sshbox', provider: 'gcp', label: 'forgotten-l4', behaviour: 'ssh-idle', gpuName: 'nvidia-l4', numGpus: 1, pricePerHour: 0.71, viaSsh: true },
];

/** What the fake nvidia-smi of a host reports `t` seconds into the demo. */
export function demoGpuState(h: DemoHost, t: number): FakeState {
  const gpus = (util: number | null, memUsed: number) =>
    Array.from({ length: h.numGpus }, () => ({
      name: `NVIDIA ${h.gpuName}`,
      util,
      memUsed,
      memTotal: 24_564,
      temp: util && util > 50 ? 68 : 35,
      power: util && util > 50 ? 320 : 28,
    }));
  switch (h.behaviour) {
    case 'busy':
      return { gpus: gpus(88 + (t % 7), 21_000), procs: 2 };
    case 'bursty':
      // A request burst every 12 s: never 30 s without work.
      return { gpus: gpus(t % 12 < 3 ? 75 : 1, 9_000), procs: 1 };
    case 'mig':
      // MIG reports [N/A] utilization even under full load: unknown, never idle.
      return { mode: 'na', gpus: gpus(null, 40_000), procs: 4 };
    default:
      return { gpus: gpus(t % 5 === 0 ? 2 : 0, 300), procs: 0 };
  }
}
