// The protocol versions both sides speak. The agent's hello carries the highest it speaks; the controller's welcome
// answers with the version the connection uses (the lower of both), and every later frame is built for that version.
/**
 * 1: GPUs, engines, interactive activity. 2: adds `host` (network, disk, CPU throughput) and `inhibitions` to a batch.
 * A field is added only with a version bump, so an older controller never sees a key it does not know.
 */
export const PROTOCOL_VERSION = 2 as const;
/** The oldest version still spoken: a controller answers an agent of this version in its own terms, and vice versa. */
export const MIN_PROTOCOL_VERSION = 1 as const;
/** The version that introduced host activity and inhibitions. */
export const HOST_ACTIVITY_VERSION = 2 as const;
/** The enrolment request's version: unchanged since 1, so a newer agent enrols with an older controller. */
export const ENROL_VERSION = 1 as const;

/** Largest frame the controller accepts from an agent, in bytes. */
export const MAX_FRAME_BYTES = 256 * 1024;

/** WebSocket close codes the controller uses (4000-4999 is the application range). */
export const CloseCode = {
  GoingAway: 1001,
  MessageTooBig: 1009,
  BadFrame: 4400,
  Unauthorized: 4401,
  Superseded: 4409,
} as const;
