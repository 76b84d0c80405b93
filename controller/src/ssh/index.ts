// The SSH fallback: target selection, the poller and the conversion of its results into store samples.
export * from './ssh-result';
export { selectSshTargets, type SelectConfig } from './select-targets';
export { SshPoller, type SshPollerOptions } from './poller';
export { toSshSample, type SshSample } from './to-sample';
export { DEFAULT_HOST_BACKOFF, type HostBackoffOptions } from './backoff';
export { REMOTE_COMMAND } from './ssh-args';
