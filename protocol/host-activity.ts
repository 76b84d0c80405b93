// Work the GPU cannot see (docs/what-counts-as-work.md): the host's throughput over one report interval and the
// inhibitions (`cost-optimizer-agent inhibit`) in force at its end. Protocol version 2 and later.
import { z } from 'zod';

const rate = z.number().finite().min(0).max(1e7);

/**
 * Means over the report interval. null: the agent could not read it (no /proc/net/dev, a first interval with nothing
 * to compare with): no evidence, never 0.
 */
export const HostActivitySchema = z
  .object({
    /** Received + sent on every interface but loopback, MB/s (10^6 bytes). */
    netMBs: rate.nullable(),
    /** Read + written on every whole disk (partitions and virtual devices excluded), MB/s. */
    diskMBs: rate.nullable(),
    /** Busy share of all cores, percent (100 = every core busy). */
    cpuPct: z.number().finite().min(0).max(100).nullable(),
  })
  .strict();

/** Longest an inhibition counts, from its start (24 h): a dead or forged entry never keeps an instance longer. The agent and the controller both apply it. */
export const MAX_INHIBIT_MS = 24 * 3_600_000;

export const InhibitionSchema = z
  .object({
    /** The --why text, or the command line. */
    why: z.string().max(200),
    /** The inhibiting process (the wrapped command's, or `inhibit --for`'s own); null for an entry without one. */
    pid: z.number().int().min(1).max(4_194_304).nullable(),
    /** When it began, agent clock. */
    since: z.number().int().min(0),
    /** When it ends at the latest, agent clock. */
    until: z.number().int().min(0),
  })
  .strict();

export type HostActivity = z.infer<typeof HostActivitySchema>;
export type Inhibition = z.infer<typeof InhibitionSchema>;
