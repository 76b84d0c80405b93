// Contract harness for Google Cloud: the GCP fake driven through the real @google-cloud/compute client.
import { expect } from 'vitest';
import type { ContractHarness } from '../support/provider-contract';
import { GcpProvider } from '../../controller/src/providers/gcp/gcp-provider';
import { gcpInstance, startGcpFake } from '../../controller/src/fake-world/gcp-fake';
import { faultTools, TEST_RETRY } from './harness-tools';

export async function gcpHarness(): Promise<ContractHarness> {
  const project = 'contract-project';
  const fake = await startGcpFake({
    project,
    pageSize: 2,
    transitionMs: 30,
    instances: [
      gcpInstance({ project, name: 'n1-t4', zone: 'us-central1-a' }),
      gcpInstance({ project, name: 'stopped-one', zone: 'us-central1-b', status: 'TERMINATED' }),
      gcpInstance({ project, name: 'l4', zone: 'europe-west4-a', machineType: 'g2-standard-8', accelerators: [] }),
      gcpInstance({ project, name: 'h100', zone: 'us-east1-b', machineType: 'a3-highgpu-8g' }),
      gcpInstance({ project, name: 'suspended', zone: 'us-east1-b', status: 'SUSPENDED' }),
    ],
  });
  const badToken = 'ya29.wrong-token-zzzz9999';
  let n = 0;
  const base = `/compute/v1/projects/${project}`;
  const inst = '/zones/[a-z0-9-]+/instances/[a-z0-9-]+';
  const open: GcpProvider[] = [];
  const tools = faultTools(fake, {
    list: { method: 'GET', path: new RegExp(`^${base}/aggregated/instances$`) },
    get: { method: 'GET', path: new RegExp(`^${base}${inst}$`) },
    pause: { method: 'POST', path: new RegExp(`^${base}${inst}/stop$`) },
    resume: { method: 'POST', path: new RegExp(`^${base}${inst}/start$`) },
    delete: { method: 'DELETE', path: new RegExp(`^${base}${inst}$`) },
  });
  return {
    ...tools,
    async makeProvider(o) {
      const p = await GcpProvider.create(
        { projectId: project, apiEndpoint: fake.url, accessToken: o.badCredentials ? badToken : fake.accessToken },
        { logger: o.logger, timeoutMs: o.timeoutMs, retry: TEST_RETRY },
      );
      open.push(p);
      return p;
    },
    seed(state) {
      const name = `seeded-${++n}`;
      fake.add(
        gcpInstance({
          project,
          name,
          zone: 'us-central1-a',
          machineType: 'a2-highgpu-2g',
          status: state === 'running' ? 'RUNNING' : 'TERMINATED',
          labels: { team: 'ml', owner: 'ana' },
        }),
      );
      return `us-central1-a/${name}`;
    },
    expectedRunning(id) {
      const raw = fake.instances.get(id)!;
      const nat = (raw['networkInterfaces'] as { accessConfigs: { natIP: string }[] }[])[0]!.accessConfigs[0]!.natIP;
      return {
        providerId: id,
        name: id.split('/')[1]!,
        rawState: 'RUNNING',
        gpuName: 'A100 40GB',
        numGpus: 2,
        pricePerHour: 7.3462,
        // GCP names no SSH port: port 0 means SSH_PORT applies (controller/src/ssh/select-targets.ts).
        ssh: { host: nat, port: 0 },
        labels: { team: 'ml', owner: 'ana' },
        createdAt: Date.parse('2024-05-01T10:00:00.000-07:00'),
      };
    },
    goneId: 'us-central1-a/never-existed',
    initialCount: 5,
    get listRequestsPerListing() {
      return Math.max(1, Math.ceil(fake.instances.size / 2));
    },
    checkRequests(call, id, reqs) {
      const [zone, name] = id.split('/') as [string, string];
      for (const r of reqs) expect(r.headers['authorization']).toBe(`Bearer ${fake.accessToken}`);
      const r = reqs[0]!;
      if (call === 'list') {
        for (const x of reqs) {
          expect([x.method, x.path, x.query['returnPartialSuccess']]).toEqual(['GET', `${base}/aggregated/instances`, 'true']);
        }
        expect(reqs.slice(1).every((x) => typeof x.query['pageToken'] === 'string')).toBe(true);
        return;
      }
      if (call === 'get') {
        expect(reqs.length).toBe(1);
        expect([r.method, r.path]).toEqual(['GET', `${base}/zones/${zone}/instances/${name}`]);
        return;
      }
      const verb = { pause: 'stop', resume: 'start', delete: null }[call];
      expect([r.method, r.path]).toEqual(
        verb ? ['POST', `${base}/zones/${zone}/instances/${name}/${verb}`] : ['DELETE', `${base}/zones/${zone}/instances/${name}`],
      );
      // Then it waits on the zonal operation until DONE.
      const waits = reqs.slice(1);
      expect(waits.length).toBeGreaterThanOrEqual(1);
      for (const w of waits)
        expect([w.method, w.path]).toEqual(['POST', expect.stringMatching(new RegExp(`^${base}/zones/${zone}/operations/operation-[^/]+/wait$`))]);
    },
    secrets: [fake.accessToken, badToken],
    async close() {
      await Promise.all(open.map((p) => p.close()));
      await tools.close();
    },
  };
}
