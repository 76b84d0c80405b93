// The protocol version both sides speak; a message with another `v` is rejected.
export const PROTOCOL_VERSION = 1 as const;

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
