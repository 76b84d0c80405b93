// The normalized view of one rented instance, the same whatever provider it comes from.

export type ProviderName = 'vast' | 'tensordock' | 'gcp' | 'manual';

/** The state list of docs/api.md. Anything a provider says that is not clearly one of these is `unknown`. */
export type InstanceState = 'running' | 'stopped' | 'starting' | 'stopping' | 'deleted' | 'unknown';

export type MetricSource = 'agent' | 'ssh' | 'provider' | 'none';

export interface SshEndpoint {
  host: string;
  port: number;
}

/** What `Provider.list()` returns for each instance. */
export interface ProviderInstance {
  /** `<provider>:<provider's id>`, e.g. `vast:123456`, `gcp:us-central1-a/trainer-1`. */
  id: string;
  provider: ProviderName;
  /** The provider's own id (what its API calls take). */
  providerId: string;
  name: string;
  state: InstanceState;
  /** The provider's raw status string, kept for `explain` and logs. */
  rawState: string;
  gpuName: string | null;
  numGpus: number;
  /** USD per hour while running, null when unknown. */
  pricePerHour: number | null;
  /** USD per hour while stopped (storage), null when unknown. */
  stoppedPricePerHour: number | null;
  /** Epoch ms; null when the provider does not say. */
  createdAt: number | null;
  ssh: SshEndpoint | null;
  labels: Record<string, string>;
  /** The provider's own utilization reading in percent (Vast.ai `gpu_util`), null if none. */
  providerUtil: number | null;
  /**
   * The instance's public IP address as the provider lists it (Vast.ai `public_ipaddr`, GCP `natIP`, TensorDock's
   * IP); enrolment with a join token is granted only to a connection from it. Absent or null when not known.
   */
  publicAddress?: string | null;
}
