// The process and Node runtime metrics every Prometheus exporter has (prom-client's defaults: process_*, nodejs_*):
// collected once per process on a registry of their own, and merged into each controller's /metrics at scrape time.
import { collectDefaultMetrics, Registry } from 'prom-client';

let shared: Registry | null = null;

/**
 * The process-wide registry of default metrics. One per process, not one per Metrics: the defaults describe the
 * process, and collectDefaultMetrics starts observers (GC, event-loop delay) that would pile up, and names that would
 * collide, if every controller started in one process (tests, a library user) collected them again.
 */
export function runtimeRegistry(): Registry {
  if (shared === null) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}
