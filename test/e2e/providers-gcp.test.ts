// Google Cloud specifics through the real @google-cloud/compute client and the fake: zones, partial lists, failed operations, credentials.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../controller/src/domain/errors';
import { act } from '../../controller/src/executor/act-and-verify';
import { silentLogger } from '../../controller/src/log';
import { GcpProvider } from '../../controller/src/providers/gcp/gcp-provider';
import { createProvidersFromConfig } from '../../controller/src/providers/registry';
import { type GcpFake, gcpInstance, startGcpFake } from '../../controller/src/fake-world/gcp-fake';
import { TEST_RETRY } from '../fakes/provider-harnesses';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** One child run covers lazy loading and the rejection guard (each run pays tsx + the SDK load). */
function runChild(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'test/fakes/gcp-child.ts', ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}\n${stderr}` });
      },
    );
  });
}

describe('GcpProvider against the fake', () => {
  let fake: GcpFake;
  let gcp: GcpProvider;
  let zonal: GcpProvider;
  const open: GcpProvider[] = [];
  const make = async (extra: Partial<{ zone: string; prices: Record<string, number>; projectId: string }> = {}) => {
    const p = await GcpProvider.create(
      { projectId: fake.project, apiEndpoint: fake.url, accessToken: fake.accessToken, ...extra },
      { retry: TEST_RETRY, timeoutMs: 8_000 },
    );
    open.push(p);
    return p;
  };

  beforeAll(async () => {
    fake = await startGcpFake({
      pageSize: 2,
      transitionMs: 20,
      instances: [
        gcpInstance({ name: 'a1', zone: 'us-central1-a' }),
        gcpInstance({ name: 'a2', zone: 'us-central1-a', status: 'SUSPENDED' }),
        gcpInstance({ name: 'a3', zone: 'us-central1-a', machineType: 'g2-standard-24', accelerators: [] }),
        gcpInstance({ name: 'b1', zone: 'us-central1-b', status: 'STAGING' }),
        gcpInstance({ name: 'e1', zone: 'europe-west4-a', machineType: 'a3-highgpu-8g' }),
      ],
    });
    gcp = await make({ prices: { 'a3-highgpu-8g': 80 } });
    zonal = await make({ zone: 'us-central1-a' });
  });
  afterAll(async () => {
    await Promise.all(open.map((p) => p.close()));
    await fake.close();
  });
  afterEach(() => {
    fake.clearFaults();
    fake.unreachableZones.clear();
  });

  it('with a zone configured, lists only that zone (zonal list, following pageToken)', async () => {
    fake.clearRequests();
    const all = await zonal.list();
    expect(all.map((i) => [i.id, i.state])).toEqual([
      ['gcp:us-central1-a/a1', 'running'],
      ['gcp:us-central1-a/a2', 'stopped'],
      ['gcp:us-central1-a/a3', 'running'],
    ]);
    expect(fake.requests.map((r) => r.path)).toEqual(Array(2).fill(`/compute/v1/projects/${fake.project}/zones/us-central1-a/instances`));
    expect(fake.requests[1]!.query['pageToken']).toBeTruthy();
  });

  it('the aggregated list covers every zone, with GPUs and configured price overrides', async () => {
    const byName = new Map((await gcp.list()).map((i) => [i.name, i]));
    expect(byName.size).toBe(5);
    expect(byName.get('b1')?.state).toBe('starting');
    expect(byName.get('a3')).toMatchObject({ gpuName: 'L4', numGpus: 2, pricePerHour: 2.001 });
    expect(byName.get('e1')).toMatchObject({ gpuName: 'H100 80GB', numGpus: 8, pricePerHour: 80 });
  });

  it('a zone reported UNREACHABLE fails the list (its VMs must not look gone)', async () => {
    fake.unreachableZones.add('asia-east1-a');
    const err = await gcp.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ op: 'list', retryable: true, message: expect.stringContaining('zones/asia-east1-a') });
  });

  it('a start whose operation fails is a ProviderError and the VM stays stopped', async () => {
    fake.injectFault({ kind: 'operation-error', path: /\/a2\/start$/ });
    const err = await gcp.resume('us-central1-a/a2').catch((e: unknown) => e);
    expect(err).toMatchObject({ op: 'resume', retryable: false, message: expect.stringContaining('ZONE_RESOURCE_POOL_EXHAUSTED') });
    expect((await gcp.get('us-central1-a/a2'))?.state).toBe('stopped');
  });

  it('a stop that never reached the API (hang before acting) is sent once; act-and-verify re-reads, then sends it again', async () => {
    const quick = await GcpProvider.create(
      { projectId: fake.project, apiEndpoint: fake.url, accessToken: fake.accessToken },
      { retry: TEST_RETRY, timeoutMs: 500 },
    );
    open.push(quick);
    fake.clearRequests();
    fake.injectFault({ kind: 'hang', method: 'POST', path: /\/a1\/stop$/ });
    const acted = await act(quick, 'pause', 'us-central1-a/a1', { logger: silentLogger, policy: { resend: TEST_RETRY, settle: TEST_RETRY } });
    expect(acted).toEqual({ kind: 'done', confirmed: false });
    const kinds = fake.requests.map((r) => `${r.method} ${r.path.split('/').slice(-2).join('/')}`);
    expect(kinds.slice(0, 3)).toEqual(['POST a1/stop', 'GET instances/a1', 'POST a1/stop']);
    expect(kinds.slice(3).every((k) => k.endsWith('/wait'))).toBe(true);
    expect((await gcp.get('us-central1-a/a1'))?.state).toBe('stopped');
  });

  it('a project the token cannot see is a non-retryable 403', async () => {
    const other = await make({ projectId: 'someone-elses' });
    await expect(other.list()).rejects.toMatchObject({ status: 403, retryable: false });
  });

  it('a 404 about the zone is an error, not "gone"; a 404 about the instance is gone', async () => {
    await expect(gcp.get('nowhere/x')).rejects.toMatchObject({ op: 'get', status: 404 });
    expect(await gcp.get('us-central1-a/never-was')).toBeNull();
  });

  it('bad ids are refused before any call', async () => {
    await expect(gcp.pause('no-zone')).rejects.toMatchObject({ op: 'pause', retryable: false });
  });

  it('loads @google-cloud/compute only when GCP is configured; a background credential rejection cannot crash the process', async () => {
    const { code, out } = await runChild([fake.url, fake.accessToken], { GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/key.json' });
    expect(out).toContain('without-gcp loaded=false');
    expect(out).toContain('with-gcp loaded=true');
    expect(out).toContain('init failed as expected');
    expect(out).toContain('caught a background credential failure');
    expect(out).toContain('alive after the background rejection');
    // Other unhandled rejections keep Node's default: the process crashes.
    expect(out).toContain('unrelated bug');
    expect(out).not.toContain('still alive after an unrelated rejection');
    expect(code).not.toBe(0);
  });
});

describe('GCP credentials', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of ['GOOGLE_APPLICATION_CREDENTIALS', 'METADATA_SERVER_DETECTION']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it('a missing credential is ONE clear ProviderError at start-up, and later calls fail the same way instead of hanging', async () => {
    process.env['GOOGLE_APPLICATION_CREDENTIALS'] = '/nonexistent/key.json';
    const err = await createProvidersFromConfig(
      { vast: null, tensordock: null, gcp: { projectId: 'p', zone: null, apiEndpoint: 'http://127.0.0.1:1', accessToken: null, prices: {} } },
      silentLogger,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ provider: 'gcp', op: 'init', retryable: false });
    expect((err as Error).message).toMatch(/no usable Google credentials.*GCP_ACCESS_TOKEN/);

    const lazy = new GcpProvider({ projectId: 'p', apiEndpoint: 'http://127.0.0.1:1' });
    await expect(lazy.list()).rejects.toMatchObject({ op: 'init' });
    await expect(lazy.get('us-central1-a/x')).rejects.toMatchObject({ op: 'init' });
  });

  it('without any credentials and no metadata server, the error names the fix', async () => {
    delete process.env['GOOGLE_APPLICATION_CREDENTIALS'];
    process.env['METADATA_SERVER_DETECTION'] = 'none';
    const err = await GcpProvider.create({ projectId: 'p', apiEndpoint: 'http://127.0.0.1:1' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ op: 'init', message: expect.stringContaining('GOOGLE_APPLICATION_CREDENTIALS') });
  });
});
