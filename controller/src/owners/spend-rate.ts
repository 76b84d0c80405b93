// What the provider charges an instance per hour right now, at the prices it reports (docs/owners.md): the running
// rate while running (and while starting or stopping, which the providers bill as running), the storage rate while
// stopped, nothing once deleted. Pure.
import type { ProviderInstance } from '../domain/instance';

export function spendRatePerHour(i: Pick<ProviderInstance, 'state' | 'pricePerHour' | 'stoppedPricePerHour'>): number {
  const r =
    i.state === 'running' || i.state === 'starting' || i.state === 'stopping'
      ? i.pricePerHour
      : i.state === 'stopped' || i.state === 'unknown'
        ? // An unknown state still has its disk: the storage rate, never nothing and never the running rate.
          i.stoppedPricePerHour
        : 0;
  return r !== null && Number.isFinite(r) && r > 0 ? r : 0;
}
