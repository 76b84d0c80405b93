// The one interface every cloud provider implements; the engine and executor only ever see this.
import type { ProviderInstance, ProviderName } from '../domain/instance';

export interface ProviderCapabilities {
  /** What `pause` does there, in words, for logs and the README. */
  pauseMeans: string;
  /** What a paused instance still costs, in words. */
  pausedCost: string;
  /** Whether resume can fail because the GPU was rented by someone else meanwhile. */
  resumeMayLoseGpu: boolean;
  canPause: boolean;
  canDelete: boolean;
}

export interface Provider {
  readonly name: ProviderName;
  readonly capabilities: ProviderCapabilities;
  /** Every instance the account has (all pages, all zones). Throws ProviderError. */
  list(signal?: AbortSignal): Promise<ProviderInstance[]>;
  /** One instance by the provider's own id; null when it is gone. Used to re-check right before acting. */
  get(providerId: string, signal?: AbortSignal): Promise<ProviderInstance | null>;
  /** Stop GPU billing, keep the disk. Resolves when the provider accepted (and, where it has operations, finished) it. */
  pause(providerId: string, signal?: AbortSignal): Promise<void>;
  resume(providerId: string, signal?: AbortSignal): Promise<void>;
  /** Destroy the instance and its disk. Deleting an instance that is already gone resolves. */
  delete(providerId: string, signal?: AbortSignal): Promise<void>;
}
