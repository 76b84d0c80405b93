// The agent <-> controller protocol: zod schemas and the types inferred from them.
export * from './version';
export * from './gpu-stats';
export * from './host-activity';
export * from './agent-messages';
export * from './controller-messages';
export * from './enrolment';
