// What the agent could read of one kind of interactive evidence (the protocol's EvidenceStatus).
export type { Interactive } from '../../../protocol';
/** ok: read; none: nothing of that kind on the host; unreadable: there, but permissions or errors hid it. */
export type EvidenceStatus = 'ok' | 'none' | 'unreadable';
