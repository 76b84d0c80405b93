// Messages the controller sends to the agent.
import { z } from 'zod';
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from './version';

/** The connection's version: the welcome chooses it (the lower of the agent's hello and the controller's own). */
const v = z.number().int().min(MIN_PROTOCOL_VERSION).max(PROTOCOL_VERSION);

export const WelcomeSchema = z
  .object({
    v,
    type: z.literal('welcome'),
    instanceId: z.string().max(300),
    serverTime: z.number().int(),
    /** Highest sequence number of this run already committed: the agent can drop everything up to it. 0 when none. */
    ackedSeq: z.number().int().min(0),
    /** Settings the controller asks the agent to use; absent fields keep the agent's own. */
    config: z
      .object({
        reportIntervalMs: z.number().int().min(100).max(3_600_000).optional(),
      })
      .strict(),
  })
  .strict();

/** Cumulative: every batch of this run with seq <= `seq` is committed to the database. */
export const AckSchema = z.object({ v, type: z.literal('ack'), runId: z.string().min(8).max(64), seq: z.number().int().min(0) }).strict();

/** Ask the agent to run its own CHECKPOINT_CMD; the command itself is never sent. */
export const PreparePauseSchema = z
  .object({
    v,
    type: z.literal('prepare-pause'),
    requestId: z.string().min(1).max(64),
    timeoutMs: z.number().int().min(1).max(3_600_000),
  })
  .strict();

export const ControllerMessageSchema = z.union([WelcomeSchema, AckSchema, PreparePauseSchema]);

export type Welcome = z.infer<typeof WelcomeSchema>;
export type Ack = z.infer<typeof AckSchema>;
export type PreparePause = z.infer<typeof PreparePauseSchema>;
export type ControllerMessage = z.infer<typeof ControllerMessageSchema>;
