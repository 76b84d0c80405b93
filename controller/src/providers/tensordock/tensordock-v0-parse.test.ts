import { describe, expect, it } from 'vitest';
import { parseV0Instance, v0Failure, v0ListEntries } from './tensordock-v0-parse';

// The VM object from docs/providers.md.
const VM = {
  cost: 0.238,
  name: 'box',
  status: 'Running',
  specs: { gpu: { amount: 1, type: 'rtxa4000-pcie-16gb' }, ram: 32, vcpus: 8, storage: 100 },
  port_forwards: { '30118': '22' },
  ip_address: '203.0.113.9',
  timestamp_creation: 'Sat, 10 Dec 2022 21:38:19 GMT',
  type: 'spot',
};
const ID = '0b7e3b0e-1111-4222-8333-444455556666';

describe('v0ListEntries', () => {
  it('reads the object keyed by id', () => {
    expect(v0ListEntries({ success: true, virtualmachines: { [ID]: VM } })).toEqual([[ID, VM]]);
    expect(v0ListEntries({ success: true, virtualmachines: {} })).toEqual([]);
    expect(v0ListEntries({ success: true })).toEqual([]);
    expect(v0ListEntries({ success: true, virtualmachines: [{ ...VM, id: ID }] })).toEqual([[ID, { ...VM, id: ID }]]);
  });

  it('raises {"success":false} and odd bodies', () => {
    expect(() => v0ListEntries({ success: false, error: 'Invalid API key' })).toThrow(/Invalid API key/);
    expect(() => v0ListEntries({ virtualmachines: {} })).toThrow(/no "success"/);
    expect(() => v0ListEntries({ success: true, virtualmachines: 'x' })).toThrow();
    expect(() => v0ListEntries('<html>')).toThrow(/not a JSON object/);
  });
});

describe('v0Failure', () => {
  it('returns the error text or null on success', () => {
    expect(v0Failure({ success: true })).toBeNull();
    expect(v0Failure({ success: false, error: 'already terminated' })).toBe('already terminated');
    expect(v0Failure({ success: false })).toMatch(/without an error/);
  });
});

describe('parseV0Instance', () => {
  it('normalizes the documented VM object', () => {
    expect(parseV0Instance(ID, VM)).toEqual({
      id: `tensordock:${ID}`,
      provider: 'tensordock',
      providerId: ID,
      name: 'box',
      state: 'running',
      rawState: 'Running',
      gpuName: 'rtxa4000-pcie-16gb',
      numGpus: 1,
      pricePerHour: 0.238,
      stoppedPricePerHour: null,
      createdAt: Date.UTC(2022, 11, 10, 21, 38, 19),
      ssh: { host: '203.0.113.9', port: 30118 },
      labels: {},
      providerUtil: null,
      publicAddress: '203.0.113.9',
    });
  });

  it('maps every documented v0 status', () => {
    expect(['Running', 'Stopped', 'StoppedDisassociated', 'Outbid'].map((status) => parseV0Instance(ID, { ...VM, status })?.state)).toEqual([
      'running',
      'stopped',
      'stopped',
      'unknown',
    ]);
  });

  it('a VM stopped without releasing its GPU ("Stopped") costs the running rate while stopped; a released one is not priced', () => {
    const stopped = ['Stopped', 'StoppedDisassociated', 'Running'].map((status) => parseV0Instance(ID, { ...VM, status })!);
    expect(stopped.map((i) => [i.state, i.pricePerHour, i.stoppedPricePerHour])).toEqual([
      ['stopped', 0.238, 0.238],
      ['stopped', 0.238, null],
      ['running', 0.238, null],
    ]);
  });

  it('garbled VMs: unknown fields, no crash; no id or no object = no instance', () => {
    expect(
      parseV0Instance(ID, { status: 5, specs: 'big', cost: '0.5', port_forwards: { '22': '22' }, ip_address: '1.2.3.4', timestamp_creation: 'soon' }),
    ).toMatchObject({
      state: 'unknown',
      numGpus: 0,
      gpuName: null,
      pricePerHour: 0.5,
      createdAt: null,
      ssh: { host: '1.2.3.4', port: 22 },
    });
    expect(parseV0Instance(ID, { ...VM, port_forwards: { '30119': '8888' } })?.ssh).toBeNull();
    expect(parseV0Instance(null, VM)).toBeNull();
    expect(parseV0Instance(ID, 'x')).toBeNull();
  });
});
