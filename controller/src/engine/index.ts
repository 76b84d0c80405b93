// The decision engine's public surface: pure functions over plain data (re-exports only).
export * from './idle-state';
export * from './idle-state-parse';
export * from './observe-sample';
export * from './observe-inventory';
export * from './running-since';
export * from './idle-window';
export * from './classify-sample';
export * from './buckets';
export * from './engine-times';
export * from './protection';
export * from './instance-policy';
export * from './pause-warning';
export * from './false-alarms';
export * from './types';
export * from './decide';
export * from './explain';
export * from './format';
