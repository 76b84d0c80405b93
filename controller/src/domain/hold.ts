// The one rule for when a keep-alive hold is in force: the store's active hold, the cycle's fleet context, the
// dashboard's hold column and the engine's protection all ask here.

/**
 * True while a hold ending at `until` protects the instance at `now`: until > now. A hold whose end is not a number
 * counts as holding: bad input never removes a protection.
 */
export function holdActive(until: number, now: number): boolean {
  return Number.isNaN(until) || until > now;
}
