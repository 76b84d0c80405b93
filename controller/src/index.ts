// The package root: the library API (`new CostOptimizer(config)`, providers, engine) with its types. Re-exports only.
export { CostOptimizer, type CostOptimizerOptions, type CycleReport } from './compose/cost-optimizer';
export type { LibraryConfig } from './optimizer/library-config';
export { parseConfig, redactConfig, type Config, type EngineConfig } from './config/config';
export { loadConfig } from './config/load-env';
export { ConfigError, ProtocolError, ProviderError } from './domain/errors';
export type { InstanceState, MetricSource, ProviderInstance, ProviderName, SshEndpoint } from './domain/instance';
export type { SampleSummary } from './domain/sample';
export {
  ProviderType,
  VastAiProvider,
  TensorDockProvider,
  GcpProvider,
  createProvidersFromConfig,
  type Provider,
  type ProviderCapabilities,
} from './providers';
export { decide, explain, formatDecisionLine, type Decision, type EngineInstance, type IdleState } from './engine';
export { createLogger, silentLogger, type Logger } from './log';
export { WebhookNotifier, type Notifier } from './notify/webhook-notifier';
export { openStore, type Store } from './store';
