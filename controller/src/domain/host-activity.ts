// Work the GPU cannot see, as stored with a sample (docs/what-counts-as-work.md): the host's throughput over the
// interval and the inhibitions in force at its end. Absent from samples of older agents and other sources.

/** Means over the sample's interval; null: the agent could not read it (no evidence either way, never 0). */
export interface HostFigures {
  netMBs: number | null;
  diskMBs: number | null;
  cpuPct: number | null;
}

/** The oldest inhibition in force at the end of the interval, controller clock, and how many there were. */
export interface InhibitFigures {
  why: string;
  pid: number | null;
  since: number;
  until: number;
  count: number;
}
