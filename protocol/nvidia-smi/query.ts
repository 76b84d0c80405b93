// The one nvidia-smi query both the agent and the SSH fallback run; the parser depends on this exact column order.
export const QUERY_FIELDS = [
  'index',
  'uuid',
  'name',
  'utilization.gpu',
  'memory.used',
  'memory.total',
  'temperature.gpu',
  'power.draw',
] as const;

export const QUERY_ARGS = [`--query-gpu=${QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'] as const;

/** Arguments for the long-lived child: nvidia-smi repeats the query every `intervalMs` itself. */
export function loopArgs(intervalMs: number): string[] {
  return [...QUERY_ARGS, `-lms`, String(Math.max(1, Math.round(intervalMs)))];
}
