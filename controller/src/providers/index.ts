// Re-exports of the providers module: the Provider interface, the three providers, the registry and the HTTP client.
export type { Provider, ProviderCapabilities } from './provider';
export { createProvidersFromConfig, type ProviderBuildOptions, ProviderType } from './registry';
export { VAST_CAPABILITIES, VAST_DEFAULT_URL, VAST_MIN_INTERVALS_MS, VastAiProvider, type VastProviderOptions } from './vast/vast-provider';
export {
  TENSORDOCK_MIN_INTERVAL_MS,
  TENSORDOCK_V0_URL,
  TENSORDOCK_V2_URL,
  type TensorDockCredentials,
  TensorDockProvider,
  type TensorDockProviderOptions,
} from './tensordock/tensordock-provider';
export { GCP_CAPABILITIES, GcpProvider, type GcpProviderConfig, type GcpProviderOptions } from './gcp/gcp-provider';
export { HttpClient, type HttpClientOptions, type HttpRequest, type HttpResponse } from './http/http-client';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../retry/retry-policy';
export { createRedactor, type Redactor } from './http/redact';
