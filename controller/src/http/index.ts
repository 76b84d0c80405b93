// The HTTP API: re-exports.
export { createApp, type AppDeps } from './app';
export type { AppContext, RouteModule } from './app-context';
export { emptyDecisionView, type DecisionView, type InstanceView, type NextAction } from './decision-view';
export { iso, statusInstanceJson, lastSampleJson } from './instance-json';
export { readJsonBody } from './json-body';
