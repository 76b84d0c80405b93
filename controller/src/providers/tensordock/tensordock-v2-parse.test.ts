import { describe, expect, it } from 'vitest';
import { tdV2Instance } from '../../fake-world/tensordock-fake-v2';
import { flattenV2, parseV2Instance, v2BodyError, v2ListItems } from './tensordock-v2-parse';

// GET /instances/{id} as seen live (docs/providers.md): flat, not wrapped.
const FLAT = {
  type: 'virtualmachine',
  id: '468b716a-0000-4000-8000-000000000001',
  name: 'trainer',
  status: 'running',
  ipAddress: '174.94.145.71',
  portForwards: [{ internal_port: 22, external_port: 20456 }],
  rateHourly: 0.272999,
};

describe('v2ListItems', () => {
  it('accepts the live {"data":[...]} and both documented shapes', () => {
    expect(v2ListItems({ data: [FLAT] })).toEqual([FLAT]);
    expect(v2ListItems({ data: { instances: [FLAT] } })).toEqual([FLAT]);
    expect(v2ListItems({ data: { type: 'list', id: 'instances', attributes: { instances: [FLAT] } } })).toEqual([FLAT]);
    expect(v2ListItems([FLAT])).toEqual([FLAT]);
    expect(v2ListItems({ data: [] })).toEqual([]);
  });

  it('rejects anything else', () => {
    expect(() => v2ListItems({ data: { things: [] } })).toThrow(/none of the documented shapes/);
    expect(() => v2ListItems({ instances: [FLAT] })).toThrow();
    expect(() => v2ListItems('x')).toThrow(/not a JSON object/);
  });
});

describe('v2BodyError', () => {
  it('finds errors sent with HTTP 200', () => {
    expect(v2BodyError({ error: 'Hostnode unavailable', status: 400 })).toEqual({ message: 'Hostnode unavailable', status: 400 });
    expect(v2BodyError({ error: { message: 'Bad thing' } })).toEqual({ message: 'Bad thing', status: null });
    expect(v2BodyError({ error: 'x', status: '503' })).toEqual({ message: 'x', status: 503 });
  });

  it('does not flag successful bodies', () => {
    expect(v2BodyError({ data: { type: 'instance', id: 'x', attributes: { status: 'stopping' } } })).toBeNull();
    expect(v2BodyError(FLAT)).toBeNull();
    expect(v2BodyError({ error: null, data: [] })).toBeNull();
    expect(v2BodyError([1])).toBeNull();
  });
});

describe('parseV2Instance', () => {
  it('normalizes the flat object', () => {
    expect(parseV2Instance(FLAT)).toEqual({
      id: `tensordock:${FLAT.id}`,
      provider: 'tensordock',
      providerId: FLAT.id,
      name: 'trainer',
      state: 'running',
      rawState: 'running',
      gpuName: null,
      numGpus: 0,
      pricePerHour: 0.272999,
      stoppedPricePerHour: null,
      createdAt: null,
      ssh: { host: '174.94.145.71', port: 20456 },
      labels: {},
      providerUtil: null,
      publicAddress: '174.94.145.71',
    });
  });

  it('reads JSON:API items and {"data": {...}} bodies the same way', () => {
    const { id, type, ...attributes } = FLAT;
    const jsonApi = { type, id, attributes };
    expect(flattenV2(jsonApi)).toMatchObject({ id, name: 'trainer' });
    expect(parseV2Instance(jsonApi)).toEqual(parseV2Instance(FLAT));
    expect(parseV2Instance({ data: jsonApi })).toEqual(parseV2Instance(FLAT));
  });

  it('reads GPUs as an array of {gpuV0Name, count} or a map, and port forwards as a map internal -> external', () => {
    const arr = parseV2Instance({
      ...FLAT,
      resources: {
        gpus: [
          { gpuV0Name: 'h100-sxm5-80gb', count: 2 },
          { gpuV0Name: 'h100-sxm5-80gb', count: 1 },
        ],
      },
    });
    expect(arr).toMatchObject({ gpuName: 'h100-sxm5-80gb', numGpus: 3 });
    const map = parseV2Instance({ ...FLAT, resources: { gpus: { 'a100-pcie-80gb': { count: 4 } } }, portForwards: { '22': 31000 } });
    expect(map).toMatchObject({ gpuName: 'a100-pcie-80gb', numGpus: 4, ssh: { host: '174.94.145.71', port: 31000 } });
    expect(parseV2Instance(tdV2Instance({ gpuCount: 8, gpuName: 'l40s', sshPort: 2222 }))).toMatchObject({ numGpus: 8, gpuName: 'l40s', ssh: { port: 2222 } });
  });

  it('SSH: no forwards means port 22 on the IP; forwards without 22 mean unknown', () => {
    expect(parseV2Instance({ ...FLAT, portForwards: [] })?.ssh).toEqual({ host: '174.94.145.71', port: 0 });
    expect(parseV2Instance({ ...FLAT, portForwards: [{ internal_port: 8888, external_port: 1 }] })?.ssh).toBeNull();
    expect(parseV2Instance({ ...FLAT, ipAddress: undefined })?.ssh).toBeNull();
  });

  it('garbled fields read as unknown; no id means no instance', () => {
    expect(parseV2Instance({ ...FLAT, status: { s: 1 }, rateHourly: 'cheap', resources: 'lots' })).toMatchObject({
      state: 'unknown',
      pricePerHour: null,
      numGpus: 0,
    });
    expect(parseV2Instance({ ...FLAT, id: undefined })).toBeNull();
    expect(parseV2Instance(null)).toBeNull();
  });
});
