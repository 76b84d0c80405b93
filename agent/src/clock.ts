// The agent's clock for everything it stamps or times: the wall clock read once at start-up, advanced by the
// monotonic clock from then on. A host whose wall clock is stepped while the agent runs (NTP correcting a bad boot
// time, an operator's `date -s`) keeps getting intervals of their true length, reported on time: with the wall clock,
// a step back of 30 min held the next report for 30 min and a step forward made one interval hours long. The
// constant offset this leaves is harmless: the controller shifts every frame by (receive time - sentAt).
import { performance } from 'node:perf_hooks';

const wallAtStart = Date.now();
const monoAtStart = performance.now();

/** Epoch ms, never going backwards, whatever happens to the host's wall clock. */
export function agentNow(): number {
  return wallAtStart + Math.floor(performance.now() - monoAtStart);
}
