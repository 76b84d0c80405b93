// Agent ingest over WebSocket: re-exports.
export { createIngest, type Ingest, type IngestOptions, type IngestStats } from './ingest-server';
export type { AgentConnectionInfo } from './agent-connection';
export { BatchWriter, type BatchWriterOptions, type WriterStats } from './batch-writer';
export { parseAgentFrame, truncateUtf8, type FrameResult } from './parse-frame';
export { batchInput, type BatchInput } from './batch-input';
export { VoiceArbiter, type Contest } from './voice-arbiter';
export { evidenceFloor, clampToFloor, MAX_REPLAY_MS } from './trusted-time';
