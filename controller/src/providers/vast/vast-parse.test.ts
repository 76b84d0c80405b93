import { describe, expect, it } from 'vitest';
import { vastInstance } from '../../fake-world/vast-fake';
import { parseVastInstance, parseVastListPage, parseVastShow, vastErrorText } from './vast-parse';

// The docs' example instance object, verbatim (docs/providers.md).
const DOC_EXAMPLE = {
  id: 312,
  machine_id: 12,
  actual_status: 'running',
  intended_status: 'running',
  cur_state: 'running',
  next_state: 'running',
  status_msg: 'success, running ...',
  label: 'ML Training Job',
  gpu_name: 'RTX 4090',
  num_gpus: 1,
  gpu_util: 0.0,
  gpu_temp: 38.99,
  vmem_usage: 0.54,
  gpu_totalram: 24576,
  public_ipaddr: '192.0.2.45',
  ssh_host: 'ssh123.vast.ai',
  ssh_port: 10600,
  ports: { '22/tcp': [{ HostIp: '0.0.0.0', HostPort: '20000' }] },
  start_date: 1668804745.1223178,
  dph_base: 0.8,
  dph_total: 0.8021,
  storage_cost: 0.15,
  storage_total_cost: 0.0021,
  extra_env: [['K', 'V']],
};

describe('parseVastInstance', () => {
  it('normalizes the documented example', () => {
    expect(parseVastInstance(DOC_EXAMPLE)).toEqual({
      id: 'vast:312',
      provider: 'vast',
      providerId: '312',
      name: 'ML Training Job',
      state: 'running',
      rawState: 'running (intended running, cur running)',
      gpuName: 'RTX 4090',
      numGpus: 1,
      pricePerHour: 0.8021,
      stoppedPricePerHour: 0.0021,
      createdAt: 1668804745122,
      ssh: { host: 'ssh123.vast.ai', port: 10600 },
      labels: { label: 'ML Training Job' },
      providerUtil: 0,
      publicAddress: '192.0.2.45',
    });
  });

  it('falls back to public_ipaddr + ports["22/tcp"][0].HostPort (a string) for SSH', () => {
    const { ssh_host: _h, ssh_port: _p, ...direct } = DOC_EXAMPLE;
    expect(parseVastInstance(direct)?.ssh).toEqual({ host: '192.0.2.45', port: 20000 });
    const { ports: _ports, ...noPorts } = direct;
    expect(parseVastInstance(noPorts)?.ssh).toBeNull();
  });

  it('derives the stopped price from dph_total - dph_base when storage_total_cost is missing, never from storage_cost ($/GB/month)', () => {
    const { storage_total_cost: _s, ...rest } = DOC_EXAMPLE;
    expect(parseVastInstance(rest)?.stoppedPricePerHour).toBeCloseTo(0.0021, 6);
    const { dph_base: _b, ...bare } = rest;
    expect(parseVastInstance(bare)?.stoppedPricePerHour).toBeNull();
  });

  it('uses the id as name when there is no label, and keeps labels empty', () => {
    const inst = parseVastInstance({ ...DOC_EXAMPLE, label: null });
    expect(inst).toMatchObject({ name: '312', labels: {} });
  });

  it('reads garbled fields as unknown instead of inventing values', () => {
    const inst = parseVastInstance({
      id: '77',
      actual_status: 17,
      intended_status: null,
      gpu_name: 12,
      num_gpus: 'many',
      gpu_util: 250,
      dph_total: -1,
      start_date: 'yesterday',
      ssh_host: '',
      ssh_port: 99999,
      label: ['x'],
    });
    expect(inst).toMatchObject({
      id: 'vast:77',
      state: 'unknown',
      gpuName: '12',
      numGpus: 0,
      providerUtil: null,
      pricePerHour: null,
      createdAt: null,
      ssh: null,
      labels: {},
    });
  });

  it('returns null for objects without a numeric id, and for non-objects', () => {
    expect(parseVastInstance({ ...DOC_EXAMPLE, id: 'abc' })).toBeNull();
    expect(parseVastInstance({ ...DOC_EXAMPLE, id: undefined })).toBeNull();
    expect(parseVastInstance(null)).toBeNull();
    expect(parseVastInstance('312')).toBeNull();
    expect(parseVastInstance([DOC_EXAMPLE])).toBeNull();
  });

  it("reads the fake's seeded objects like real ones", () => {
    expect(parseVastInstance(vastInstance({ id: 5, state: 'stopped' }))).toMatchObject({ state: 'stopped', providerUtil: null });
    expect(parseVastInstance(vastInstance({ id: 6, state: 'loading' }))?.state).toBe('starting');
  });
});

describe('parseVastListPage', () => {
  it('reads instances and next_token, null or absent token meaning the last page', () => {
    expect(parseVastListPage({ success: true, instances_found: 1, total_instances: 30, next_token: 'abc', instances: [DOC_EXAMPLE] })).toEqual({
      instances: [DOC_EXAMPLE],
      nextToken: 'abc',
    });
    expect(parseVastListPage({ instances: [], next_token: null }).nextToken).toBeNull();
    expect(parseVastListPage({ instances: [] }).nextToken).toBeNull();
    expect(parseVastListPage({ instances: [], next_token: '' }).nextToken).toBeNull();
  });

  it('rejects bodies that are not the documented envelope', () => {
    expect(() => parseVastListPage(null)).toThrow(/not a JSON object/);
    expect(() => parseVastListPage({ instances: 'none' })).toThrow(/no "instances" array/);
    expect(() => parseVastListPage({ success: false, error: 'auth_error', msg: 'bad key' })).toThrow(/auth_error: bad key/);
  });
});

describe('parseVastShow', () => {
  it('reads {"instances": {...}} (one object under the plural key) and {"instances": null} as gone', () => {
    expect(parseVastShow({ instances: DOC_EXAMPLE })).toBe(DOC_EXAMPLE);
    expect(parseVastShow({ instances: null })).toBeNull();
    expect(parseVastShow({ instances: [DOC_EXAMPLE] })).toBe(DOC_EXAMPLE);
    expect(parseVastShow({ instances: [] })).toBeNull();
  });

  it('rejects anything else', () => {
    expect(() => parseVastShow({})).toThrow(/no "instances" key/);
    expect(() => parseVastShow({ instances: 5 })).toThrow();
    expect(() => parseVastShow({ instances: [DOC_EXAMPLE, DOC_EXAMPLE] })).toThrow(/2 instances/);
    expect(() => parseVastShow('x')).toThrow();
  });
});

describe('vastErrorText', () => {
  it('reads error/msg/detail in any combination', () => {
    expect(vastErrorText({ success: false, error: 'not_found', msg: 'no such' })).toBe('not_found: no such');
    expect(vastErrorText({ detail: 'Too many' })).toBe('Too many');
    expect(vastErrorText('text')).toBe('no details');
  });
});
