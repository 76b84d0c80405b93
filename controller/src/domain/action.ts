// The audit log's vocabulary, shared by the store that keeps it and the executor that writes it.
export type ActionKind = 'pause' | 'delete' | 'warn' | 'resume';
export type ActionStatus = 'planned' | 'succeeded' | 'failed' | 'dry-run' | 'skipped';
