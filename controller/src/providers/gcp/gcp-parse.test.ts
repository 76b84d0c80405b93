import { describe, expect, it } from 'vitest';
import { gcpInstance } from '../../fake-world/gcp-fake';
import type { InstanceState } from '../../domain/instance';
import { gcpState, lastSegment, parseGcpInstance, parseGcpProviderId } from './gcp-parse';

describe('gcpState', () => {
  it.each<[unknown, InstanceState]>([
    ['RUNNING', 'running'],
    ['PROVISIONING', 'starting'],
    ['STAGING', 'starting'],
    ['REPAIRING', 'starting'],
    ['PENDING', 'starting'],
    ['STOPPING', 'stopping'],
    ['SUSPENDING', 'stopping'],
    ['DEPROVISIONING', 'stopping'],
    // A stopped VM reports TERMINATED (docs/providers.md).
    ['TERMINATED', 'stopped'],
    ['STOPPED', 'stopped'],
    ['SUSPENDED', 'stopped'],
    ['running', 'running'],
    ['EXPLODED', 'unknown'],
    ['', 'unknown'],
    [undefined, 'unknown'],
    [7, 'unknown'],
  ])('%s -> %s', (status, want) => {
    expect(gcpState(status)).toBe(want);
  });
});

describe('parseGcpInstance', () => {
  it('normalizes an N1 VM with an attached T4', () => {
    const raw = gcpInstance({ name: 'trainer-1', zone: 'us-central1-a', machineType: 'n1-standard-8', labels: { team: 'ml' }, natIP: '34.1.2.3' });
    expect(parseGcpInstance(raw, null)).toEqual({
      id: 'gcp:us-central1-a/trainer-1',
      provider: 'gcp',
      providerId: 'us-central1-a/trainer-1',
      name: 'trainer-1',
      state: 'running',
      rawState: 'RUNNING',
      gpuName: 'Tesla T4',
      numGpus: 1,
      pricePerHour: 0.73,
      stoppedPricePerHour: 0.0274,
      createdAt: Date.parse('2024-05-01T10:00:00.000-07:00'),
      ssh: { host: '34.1.2.3', port: 0 },
      labels: { team: 'ml' },
      providerUtil: null,
      publicAddress: '34.1.2.3',
    });
  });

  it('reads GPUs from the machine-type family when guestAccelerators is empty', () => {
    const cases: [string, string, number][] = [
      ['a2-highgpu-4g', 'A100 40GB', 4],
      ['a2-ultragpu-8g', 'A100 80GB', 8],
      ['a3-highgpu-8g', 'H100 80GB', 8],
      ['g2-standard-48', 'L4', 4],
      ['g2-standard-8', 'L4', 1],
    ];
    for (const [machineType, name, count] of cases) {
      const raw = { ...gcpInstance({ machineType }), guestAccelerators: [] };
      expect(parseGcpInstance(raw, null), machineType).toMatchObject({ gpuName: name, numGpus: count });
    }
    expect(parseGcpInstance({ ...gcpInstance({ machineType: 'e2-standard-4' }), guestAccelerators: [] }, null)).toMatchObject({
      gpuName: null,
      numGpus: 0,
      pricePerHour: null,
    });
  });

  it('prices bundled machine types whole (not adding their accelerators again) and honours overrides', () => {
    expect(parseGcpInstance(gcpInstance({ machineType: 'a2-highgpu-1g' }), null)?.pricePerHour).toBe(3.6731);
    expect(parseGcpInstance(gcpInstance({ machineType: 'a2-highgpu-1g' }), null, { 'a2-highgpu-1g': 2.5 })?.pricePerHour).toBe(2.5);
    expect(parseGcpInstance(gcpInstance({ machineType: 'n1-standard-4', accelerators: [{ type: 'nvidia-tesla-v100', count: 2 }] }), null)?.pricePerHour).toBe(
      5.15,
    );
    expect(
      parseGcpInstance(gcpInstance({ machineType: 'n1-standard-4', accelerators: [{ type: 'nvidia-tesla-t4', count: 1 }] }), null, { 'nvidia-tesla-t4': 0.11 })
        ?.pricePerHour,
    ).toBe(0.3);
  });

  it('a Spot or preemptible VM is not priced from the on-demand table: GCP_PRICES spot.<type>, else unknown', () => {
    const spot = (scheduling: Record<string, unknown>, prices?: Record<string, number>) =>
      parseGcpInstance({ ...gcpInstance({ machineType: 'a2-highgpu-1g' }), scheduling }, null, prices)?.pricePerHour;
    expect(spot({ provisioningModel: 'SPOT', preemptible: false })).toBeNull();
    expect(spot({ provisioningModel: 'STANDARD', preemptible: true })).toBeNull();
    expect(spot({ provisioningModel: 'SPOT' }, { 'spot.a2-highgpu-1g': 1.1 })).toBe(1.1);
    expect(spot({ provisioningModel: 'STANDARD', preemptible: false })).toBe(3.6731);
  });

  it('a TERMINATED VM without its ephemeral IP has no SSH endpoint', () => {
    expect(parseGcpInstance(gcpInstance({ status: 'TERMINATED' }), null)).toMatchObject({ state: 'stopped', ssh: null });
  });

  it('takes the zone from the aggregated scope when the object lacks it', () => {
    const { zone: _z, ...raw } = gcpInstance({ name: 'x' });
    expect(parseGcpInstance(raw, 'zones/europe-west4-a')?.id).toBe('gcp:europe-west4-a/x');
    expect(parseGcpInstance(raw, null)).toBeNull();
  });

  it('garbled objects never crash and read as unknown', () => {
    const inst = parseGcpInstance(
      {
        name: 'g',
        zone: 'z1',
        status: 12,
        machineType: 5,
        guestAccelerators: 'x',
        labels: [1],
        networkInterfaces: {},
        disks: null,
        creationTimestamp: 'never',
      },
      null,
    );
    expect(inst).toMatchObject({
      id: 'gcp:z1/g',
      state: 'unknown',
      gpuName: null,
      numGpus: 0,
      pricePerHour: null,
      stoppedPricePerHour: null,
      createdAt: null,
      ssh: null,
      labels: {},
    });
    expect(parseGcpInstance({ zone: 'z1' }, null)).toBeNull();
    expect(parseGcpInstance('x', 'zones/a')).toBeNull();
  });
});

describe('ids', () => {
  it('parses zone/name with or without the gcp: prefix, and rejects anything else', () => {
    expect(parseGcpProviderId('us-central1-a/trainer-1')).toEqual({ zone: 'us-central1-a', name: 'trainer-1' });
    expect(parseGcpProviderId('gcp:us-central1-a/trainer-1')).toEqual({ zone: 'us-central1-a', name: 'trainer-1' });
    for (const bad of ['trainer-1', 'us-central1-a/', '/x', 'a/b/c', 'Zone/x', 'z/-x', 'z/x y']) expect(parseGcpProviderId(bad), bad).toBeNull();
  });

  it('lastSegment takes the end of a resource URL', () => {
    expect(lastSegment('https://www.googleapis.com/compute/v1/projects/p/zones/us-central1-a')).toBe('us-central1-a');
    expect(lastSegment('n1-standard-8')).toBe('n1-standard-8');
    expect(lastSegment('')).toBeNull();
    expect(lastSegment(3)).toBeNull();
  });
});
