import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config';
import type { Logger } from '../log';
import { createProvidersFromConfig, ProviderType } from './registry';
import { TensorDockProvider } from './tensordock/tensordock-provider';
import { VastAiProvider } from './vast/vast-provider';

describe('ProviderType', () => {
  it('names the three providers as ProviderInstance.provider does', () => {
    expect(ProviderType).toEqual({ VastAi: 'vast', TensorDock: 'tensordock', Gcp: 'gcp' });
    expect(new VastAiProvider('key-1234').name).toBe(ProviderType.VastAi);
    expect(new TensorDockProvider('tok-1234').name).toBe(ProviderType.TensorDock);
  });
});

describe('createProvidersFromConfig', () => {
  it('builds exactly the configured providers from the parsed env, with their URLs and versions', async () => {
    const lines: string[] = [];
    const logger: Logger = { debug() {}, info: (m) => void lines.push(m), warn() {}, error() {} };
    const config = parseConfig({
      VAST_API_KEY: 'vast-key-1234',
      VAST_API_URL: 'http://127.0.0.1:9001',
      TENSORDOCK_API_KEY: 'td-key-1234',
      TENSORDOCK_API_TOKEN: 'td-token-1234',
    });
    const providers = await createProvidersFromConfig(config, logger);
    expect(providers.map((p) => p.name)).toEqual(['vast', 'tensordock']);
    expect((providers[0] as VastAiProvider).apiUrl).toBe('http://127.0.0.1:9001');
    expect(providers[1]).toMatchObject({ version: 'v0', apiUrl: 'https://marketplace.tensordock.com/api/v0' });
    expect(lines.join('\n')).toContain('provider tensordock: pause = ');
    expect(lines.join('\n')).not.toContain('key-1234');
  });

  it('builds nothing when nothing is configured', async () => {
    expect(await createProvidersFromConfig(parseConfig({}), { debug() {}, info() {}, warn() {}, error() {} })).toEqual([]);
  });

  it('a token alone gives TensorDock v2', async () => {
    const [td] = await createProvidersFromConfig(parseConfig({ TENSORDOCK_API_TOKEN: 'td-token-1234' }), { debug() {}, info() {}, warn() {}, error() {} });
    expect(td).toMatchObject({ name: 'tensordock', version: 'v2', apiUrl: 'https://dashboard.tensordock.com/api/v2' });
  });
});
