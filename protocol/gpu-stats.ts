// One GPU's readings over one report interval: min/mean/max of the known readings and how many were unknown.
import { z } from 'zod';

/** A finite number in a range; NaN, Infinity and out-of-range values are rejected, never clamped. */
const bounded = (min: number, max: number) => z.number().finite().min(min).max(max);

export const StatSchema = z
  .object({ min: bounded(0, 1e9), mean: bounded(0, 1e9), max: bounded(0, 1e9) })
  .strict()
  .refine((s) => s.min <= s.mean + 1e-9 && s.mean <= s.max + 1e-9, { message: 'min <= mean <= max' });

export const PercentStatSchema = z
  .object({ min: bounded(0, 100), mean: bounded(0, 100), max: bounded(0, 100) })
  .strict()
  .refine((s) => s.min <= s.mean + 1e-9 && s.mean <= s.max + 1e-9, { message: 'min <= mean <= max' });

export const GpuStatsSchema = z
  .object({
    index: z.number().int().min(0).max(1023),
    uuid: z.string().max(128).nullable(),
    /** Readings taken in the interval (known + unknown). */
    count: z.number().int().min(0).max(100_000),
    /** Readings whose utilization was unknown ([N/A], [Unknown Error], garbled...). Any unknown reading makes the interval not idle. */
    utilUnknown: z.number().int().min(0).max(100_000),
    /** Over the known utilization readings only; null when none was known. */
    util: PercentStatSchema.nullable(),
    /** MiB; null when never known. */
    memUsed: StatSchema.nullable(),
    memTotal: bounded(0, 1e9).nullable(),
    temp: StatSchema.nullable(),
    power: StatSchema.nullable(),
    // Other engines; optional so batches of older agents stay valid. Absent: not queried (the host's driver does not
    // list the field: not applicable). null: queried but never a number this interval ([N/A] on MIG, [Not Supported]).
    /** NVENC utilization, percent. */
    enc: PercentStatSchema.nullable().optional(),
    /** NVDEC utilization, percent. */
    dec: PercentStatSchema.nullable().optional(),
    /** NVJPG utilization, percent. */
    jpeg: PercentStatSchema.nullable().optional(),
    /** Optical-flow accelerator utilization, percent. */
    ofa: PercentStatSchema.nullable().optional(),
    /** Open NVENC sessions (encoder.stats.sessionCount). */
    encSessions: StatSchema.nullable().optional(),
  })
  .strict()
  .refine((g) => g.utilUnknown <= g.count, { message: 'utilUnknown <= count' });

export type Stat = z.infer<typeof StatSchema>;
export type GpuStats = z.infer<typeof GpuStatsSchema>;

/** The utilization engines of GpuStats besides SM, in display order. */
export const ENGINE_STATS = ['enc', 'dec', 'jpeg', 'ofa'] as const;
export type EngineStat = (typeof ENGINE_STATS)[number];
