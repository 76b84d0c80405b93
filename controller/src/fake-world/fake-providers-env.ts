// The controller settings (the README's names) that point it at running Vast.ai, TensorDock v2 and GCP fakes.
import type { GcpFake } from './gcp-fake';
import type { TdV2Fake } from './tensordock-fake-v2';
import type { VastFake } from './vast-fake';

export function fakeProvidersEnv(f: { vast: VastFake; td: TdV2Fake; gcp: GcpFake }): Record<string, string> {
  return {
    VAST_API_KEY: f.vast.apiKey,
    VAST_API_URL: f.vast.url,
    TENSORDOCK_API_TOKEN: f.td.token,
    TENSORDOCK_API_URL: f.td.apiUrl,
    GCP_PROJECT_ID: f.gcp.project,
    GCP_API_ENDPOINT: f.gcp.url,
    GCP_ACCESS_TOKEN: f.gcp.accessToken,
  };
}
