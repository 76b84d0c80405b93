// Messages the agent sends to the controller.
import { z } from 'zod';
import { GpuStatsSchema } from './gpu-stats';
import { HostActivitySchema, InhibitionSchema } from './host-activity';
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from './version';

/** Any version still spoken: the hello carries the agent's highest, later frames the one the welcome chose. */
const v = z.number().int().min(MIN_PROTOCOL_VERSION).max(PROTOCOL_VERSION);
/** Epoch milliseconds, between 2020 and 2100: anything else is a broken clock or a forged frame. */
export const EpochMsSchema = z.number().int().min(1_577_836_800_000).max(4_102_444_800_000);

export const GpuInfoSchema = z
  .object({
    index: z.number().int().min(0).max(1023),
    uuid: z.string().max(128).nullable(),
    name: z.string().max(256),
    memTotalMiB: z.number().finite().min(0).max(1e9).nullable(),
  })
  .strict();

export const HostFactsSchema = z
  .object({
    hostname: z.string().max(256),
    os: z.string().max(256),
    kernel: z.string().max(256),
    arch: z.string().max(64),
    cpuModel: z.string().max(256),
    cpuCores: z.number().int().min(0).max(100_000),
    memTotalMiB: z.number().finite().min(0).max(1e12),
    nodeVersion: z.string().max(64),
  })
  .strict();

/** What the agent found out about where it runs; informational only: the token decides which instance it reports for. */
export const IdentitySchema = z
  .object({
    provider: z.enum(['vast', 'tensordock', 'gcp', 'manual']).nullable(),
    providerId: z.string().max(256).nullable(),
    source: z.enum(['override', 'vast-env', 'gcp-metadata', 'none']),
  })
  .strict();

export const AgentHealthSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('ok') }).strict(),
  z
    .object({
      state: z.literal('error'),
      /** driver: nvidia-smi cannot talk to the driver (exit 9); missing: no binary; exited: the child keeps dying; parse: output unreadable. */
      code: z.enum(['driver', 'missing', 'exited', 'parse']),
      message: z.string().max(1024),
    })
    .strict(),
]);

export const HelloSchema = z
  .object({
    v,
    type: z.literal('hello'),
    agentVersion: z.string().max(64),
    /** Random per agent process: sequence numbers are unique within one run. */
    runId: z.string().min(8).max(64),
    sentAt: EpochMsSchema,
    host: HostFactsSchema,
    identity: IdentitySchema,
    gpus: z.array(GpuInfoSchema).max(64),
    sampleIntervalMs: z.number().int().min(50).max(3_600_000),
    reportIntervalMs: z.number().int().min(100).max(3_600_000),
    checkpointConfigured: z.boolean(),
  })
  .strict();

/** What the agent could read of one kind of interactive evidence: ok, none on this host, or there but unreadable. */
export const EvidenceStatusSchema = z.enum(['ok', 'none', 'unreadable']);

/**
 * People at the keyboard (docs/what-counts-as-work.md): the latest terminal input (pseudo-terminal access time, as
 * `w` computes IDLE) and Jupyter kernel activity on the host, agent clock. Optional: agents before it send none.
 */
export const InteractiveSchema = z
  .object({
    terminalInputAt: EpochMsSchema.nullable(),
    terminals: EvidenceStatusSchema,
    /** Newest `last_activity` of any kernel of any running Jupyter server. */
    notebookActivityAt: EpochMsSchema.nullable(),
    /** A kernel's `execution_state` was busy when the agent looked (at the end of the interval). */
    notebookBusy: z.boolean(),
    notebooks: EvidenceStatusSchema,
  })
  .strict();

export const BatchSchema = z
  .object({
    v,
    type: z.literal('batch'),
    runId: z.string().min(8).max(64),
    /** 1, 2, 3... per run; replays reuse the original number so the controller can drop duplicates. */
    seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    /** Interval covered, agent clock. */
    t0: EpochMsSchema,
    t1: EpochMsSchema,
    /** Agent clock when this frame was (re)sent: the controller uses it to correct clock skew. */
    sentAt: EpochMsSchema,
    gpus: z.array(GpuStatsSchema).max(64),
    /** Compute processes seen on the GPUs at the end of the interval; null when it could not be read. */
    procs: z.number().int().min(0).max(1_000_000).nullable(),
    health: AgentHealthSchema,
    /** Batches the agent dropped (oldest first) because its buffer was full, since it started. */
    dropped: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    /** Latest interactive input seen on the host; absent from agents that do not look. */
    interactive: InteractiveSchema.optional(),
    /** Version 2: the host's network, disk and CPU throughput over the interval; absent from older agents. */
    host: HostActivitySchema.optional(),
    /** Version 2: the inhibitions in force at the end of the interval (oldest first); absent from older agents. */
    inhibitions: z.array(InhibitionSchema).max(16).optional(),
  })
  .strict()
  .refine((b) => b.t0 <= b.t1, { message: 't0 <= t1' })
  .refine((b) => b.t1 - b.t0 <= 24 * 3_600_000, { message: 'interval longer than a day' });

export const PreparePauseResultSchema = z
  .object({
    v,
    type: z.literal('prepare-pause-result'),
    requestId: z.string().min(1).max(64),
    /** ok: the hook ran and exited 0; none: no CHECKPOINT_CMD configured; failed / timeout: do not pause. */
    outcome: z.enum(['ok', 'none', 'failed', 'timeout']),
    exitCode: z.number().int().nullable(),
    durationMs: z.number().int().min(0),
    /** Last lines of the hook's output, for the audit log. */
    output: z.string().max(4096),
  })
  .strict();

export const AgentMessageSchema = z.union([HelloSchema, BatchSchema, PreparePauseResultSchema]);

export type GpuInfo = z.infer<typeof GpuInfoSchema>;
export type HostFacts = z.infer<typeof HostFactsSchema>;
export type Identity = z.infer<typeof IdentitySchema>;
export type AgentHealth = z.infer<typeof AgentHealthSchema>;
export type Hello = z.infer<typeof HelloSchema>;
export type Batch = z.infer<typeof BatchSchema>;
export type Interactive = z.infer<typeof InteractiveSchema>;
export type PreparePauseResult = z.infer<typeof PreparePauseResultSchema>;
export type AgentMessage = z.infer<typeof AgentMessageSchema>;
