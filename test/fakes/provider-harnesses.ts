// Contract harnesses for Vast.ai and TensorDock v2/v0 (GCP: gcp-harness.ts): each fake, seeded, plus how its calls look on the wire.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { ContractCall, ContractHarness, ContractRequest, HarnessProviderOptions } from '../support/provider-contract';
import { TensorDockProvider } from '../../controller/src/providers/tensordock/tensordock-provider';
import { VastAiProvider } from '../../controller/src/providers/vast/vast-provider';
import { faultTools, TEST_RETRY } from './harness-tools';
import { startTensorDockV0Fake, tdV0Instance } from './tensordock-fake-v0';
import { startTensorDockV2Fake, tdV2Instance } from '../../controller/src/fake-world/tensordock-fake-v2';
import { startVastFake, vastInstance } from '../../controller/src/fake-world/vast-fake';

export async function vastHarness(): Promise<ContractHarness> {
  // 30 instances: two pages of at most 25, as Vast serves them.
  const fake = await startVastFake({
    instances: Array.from({ length: 30 }, (_, i) => vastInstance({ id: 500_000 + i, state: i % 3 === 0 ? 'stopped' : 'running' })),
    transitionMs: 30,
  });
  let next = 900_000;
  const badKey = 'vast-wrong-key-zzzz9999';
  const seeds = new Map<string, ReturnType<typeof vastInstance>>();
  return {
    ...faultTools(fake, {
      list: { method: 'GET', path: /^\/api\/v1\/instances\/$/ },
      get: { method: 'GET', path: /^\/api\/v0\/instances\/\d+\/$/ },
      pause: { method: 'PUT', path: /^\/api\/v0\/instances\/\d+\/$/ },
      resume: { method: 'PUT', path: /^\/api\/v0\/instances\/\d+\/$/ },
      delete: { method: 'DELETE', path: /^\/api\/v0\/instances\/\d+\/$/ },
    }),
    async makeProvider(o: HarnessProviderOptions) {
      const zero = { list: 0, show: 0, put: 0, destroy: 0 };
      return new VastAiProvider(
        { apiKey: o.badCredentials ? badKey : fake.apiKey, apiUrl: fake.url },
        { logger: o.logger, timeoutMs: o.timeoutMs, retry: TEST_RETRY, minIntervalMs: zero },
      );
    },
    seed(state) {
      const inst = vastInstance({ id: next++, state, gpuName: 'RTX A6000', numGpus: 2, gpuUtil: 3, dphTotal: 1.2021, label: `seeded-${next}` });
      fake.add(inst);
      seeds.set(String(inst.id), inst);
      return String(inst.id);
    },
    expectedRunning(id) {
      const raw = seeds.get(id)!;
      return {
        providerId: id,
        name: raw['label'] as string,
        gpuName: 'RTX A6000',
        numGpus: 2,
        pricePerHour: 1.2021,
        stoppedPricePerHour: 0.0021,
        createdAt: Math.round((raw['start_date'] as number) * 1000),
        ssh: { host: raw['ssh_host'] as string, port: raw['ssh_port'] as number },
        labels: { label: raw['label'] as string },
        providerUtil: 3,
      };
    },
    goneId: '999999999',
    initialCount: 30,
    get listRequestsPerListing() {
      return Math.max(1, Math.ceil(fake.instances.size / 25));
    },
    checkRequests(call, id, reqs) {
      expect(reqs.length).toBeGreaterThan(0);
      for (const r of reqs) {
        expect(r.headers['authorization']).toBe(`Bearer ${fake.apiKey}`);
        expect(r.query['api_key']).toBeUndefined();
      }
      const r = reqs[0]!;
      if (call === 'list') {
        expect(reqs.map((x) => [x.method, x.path, x.query['limit']])).toEqual(reqs.map(() => ['GET', '/api/v1/instances/', '25']));
        expect(reqs[0]!.query['after_token']).toBeUndefined();
        for (const x of reqs.slice(1)) expect(x.query['after_token']).toMatch(/.+/);
        return;
      }
      expect(reqs.length).toBe(1);
      if (call === 'get') expect([r.method, r.path, r.query]).toEqual(['GET', `/api/v0/instances/${id}/`, { owner: 'me' }]);
      if (call === 'pause' || call === 'resume') {
        expect([r.method, r.path, r.json]).toEqual(['PUT', `/api/v0/instances/${id}/`, { state: call === 'pause' ? 'stopped' : 'running' }]);
        expect(r.headers['content-type']).toBe('application/json');
      }
      if (call === 'delete') expect([r.method, r.path, r.body]).toEqual(['DELETE', `/api/v0/instances/${id}/`, '{}']);
    },
    secrets: [fake.apiKey, badKey],
  };
}

export async function tensordockV2Harness(): Promise<ContractHarness> {
  const fake = await startTensorDockV2Fake({
    instances: [
      tdV2Instance({ name: 'a' }),
      tdV2Instance({ name: 'b', status: 'StoppedDisassociated' }),
      tdV2Instance({ name: 'c', status: 'Stopped' }),
      tdV2Instance({ name: 'd' }),
    ],
    transitionMs: 30,
  });
  const badToken = 'td-wrong-token-zzzz9999';
  return {
    ...faultTools(fake, {
      list: { method: 'GET', path: /^\/api\/v2\/instances$/ },
      get: { method: 'GET', path: /^\/api\/v2\/instances\/[0-9a-f-]+$/ },
      pause: { method: 'POST', path: /^\/api\/v2\/instances\/[0-9a-f-]+\/stop$/ },
      resume: { method: 'POST', path: /^\/api\/v2\/instances\/[0-9a-f-]+\/start$/ },
      delete: { method: 'DELETE', path: /^\/api\/v2\/instances\/[0-9a-f-]+$/ },
    }),
    async makeProvider(o) {
      return new TensorDockProvider(o.badCredentials ? badToken : fake.token, {
        apiUrl: fake.apiUrl,
        logger: o.logger,
        timeoutMs: o.timeoutMs,
        retry: TEST_RETRY,
        minIntervalMs: 0,
      });
    },
    seed(state) {
      const inst = tdV2Instance({
        name: `seeded-${fake.instances.size}`,
        status: state,
        sshPort: 22022,
        rateHourly: 0.55,
        gpuName: 'h100-sxm5-80gb',
        gpuCount: 2,
      });
      fake.add(inst);
      return inst.id;
    },
    expectedRunning(id) {
      const raw = fake.instances.get(id)!;
      return {
        providerId: id,
        name: raw['name'] as string,
        rawState: 'running',
        gpuName: 'h100-sxm5-80gb',
        numGpus: 2,
        pricePerHour: 0.55,
        ssh: { host: '174.94.145.71', port: 22022 },
        labels: {},
      };
    },
    goneId: randomUUID(),
    initialCount: 4,
    listRequestsPerListing: 1,
    checkRequests(call, id, reqs) {
      expect(reqs.length).toBe(1);
      const r = reqs[0]!;
      expect(r.headers['authorization']).toBe(`Bearer ${fake.token}`);
      expect(r.headers['accept']).toBe('application/json');
      const want: Record<ContractCall, [string, string]> = {
        list: ['GET', '/api/v2/instances'],
        get: ['GET', `/api/v2/instances/${id}`],
        pause: ['POST', `/api/v2/instances/${id}/stop`],
        resume: ['POST', `/api/v2/instances/${id}/start`],
        delete: ['DELETE', `/api/v2/instances/${id}`],
      };
      expect([r.method, r.path]).toEqual(want[call]);
      // No body, so no Content-Type (it is only sent with a body).
      expect(r.body).toBe('');
      expect(r.headers['content-type']).toBeUndefined();
    },
    secrets: [fake.token, badToken],
  };
}

export async function tensordockV0Harness(): Promise<ContractHarness> {
  const fake = await startTensorDockV0Fake({
    instances: [tdV0Instance({ name: 'x' }), tdV0Instance({ name: 'y', status: 'StoppedDisassociated' }), tdV0Instance({ name: 'z', status: 'Stopped' })],
  });
  const badToken = 'td0-wrong-token-zzzz9999';
  const path = (p: string) => new RegExp(`^/api/v0/client/${p}$`);
  const server = (r: ContractRequest) => r.form?.['server'] !== undefined;
  return {
    ...faultTools(fake, {
      list: { method: 'POST', path: path('list') },
      get: { method: 'POST', path: path('get/single'), body: server },
      pause: { method: 'POST', path: path('stop/single'), body: server },
      resume: { method: 'POST', path: path('start/single'), body: server },
      delete: { method: 'POST', path: path('delete/single'), body: server },
    }),
    async makeProvider(o) {
      const apiToken = o.badCredentials ? badToken : fake.apiToken;
      return new TensorDockProvider(
        { apiKey: fake.apiKey, apiToken },
        { apiUrl: fake.apiUrl, logger: o.logger, timeoutMs: o.timeoutMs, retry: TEST_RETRY, minIntervalMs: 0 },
      );
    },
    seed(state) {
      return fake.add(
        tdV0Instance({
          name: `seeded-${fake.instances.size}`,
          status: state === 'running' ? 'Running' : 'StoppedDisassociated',
          sshPort: 31022,
          cost: 0.41,
          gpuType: 'rtx4090-pcie-24gb',
          gpuAmount: 4,
        }),
      );
    },
    expectedRunning(id) {
      const raw = fake.instances.get(id)!;
      return {
        providerId: id,
        name: raw['name'] as string,
        rawState: 'Running',
        gpuName: 'rtx4090-pcie-24gb',
        numGpus: 4,
        pricePerHour: 0.41,
        ssh: { host: '203.0.113.17', port: 31022 },
        createdAt: Date.UTC(2022, 11, 10, 21, 38, 19),
      };
    },
    goneId: randomUUID(),
    initialCount: 3,
    listRequestsPerListing: 1,
    checkRequests(call, id, reqs) {
      expect(reqs.length).toBe(1);
      const r = reqs[0]!;
      expect(r.method).toBe('POST');
      expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(r.headers['authorization']).toBeUndefined();
      const creds = { api_key: fake.apiKey, api_token: fake.apiToken };
      const want: Record<ContractCall, [string, Record<string, string>]> = {
        list: ['/api/v0/client/list', creds],
        get: ['/api/v0/client/get/single', { ...creds, server: id }],
        // disassociate_resources=true: without it the GPU stays reserved and keeps billing.
        pause: ['/api/v0/client/stop/single', { ...creds, server: id, disassociate_resources: 'true' }],
        resume: ['/api/v0/client/start/single', { ...creds, server: id }],
        delete: ['/api/v0/client/delete/single', { ...creds, server: id }],
      };
      expect([r.path, r.form]).toEqual(want[call]);
    },
    secrets: [fake.apiKey, fake.apiToken, badToken],
  };
}

export { gcpHarness } from './gcp-harness';
export { TEST_RETRY } from './harness-tools';
