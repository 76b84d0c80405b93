// The per-GPU blob: round trips, quantization never makes a GPU look idler, corrupt blobs are refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeGpus, encodeGpus, quantizeGpu, type StoredGpu } from './gpu-codec';
import { gpuStats } from '../../../test/helpers/gpu-stats';

describe('gpu codec', () => {
  it('round-trips sequential GPUs in about 7-9 bytes each', () => {
    const stored = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => quantizeGpu(gpuStats(i, i * 12)));
    const blob = encodeGpus(stored);
    expect(decodeGpus(blob)).toEqual(stored);
    expect(blob.length).toBeLessThanOrEqual(1 + 8 * 9);
  });

  it('keeps explicit indexes when GPUs are not 0..n-1', () => {
    const stored = [quantizeGpu(gpuStats(3, 50)), quantizeGpu(gpuStats(700, 1))];
    expect(decodeGpus(encodeGpus(stored))).toEqual(stored);
  });

  it('keeps unknown utilization distinct from 0 %', () => {
    const unknown = quantizeGpu(gpuStats(0, null, { count: 10 }));
    const partly = quantizeGpu(gpuStats(1, 0, { count: 10, unknown: 3 }));
    const zero = quantizeGpu(gpuStats(2, 0));
    const [u, p, z] = decodeGpus(encodeGpus([unknown, partly, zero]));
    expect(u!.util).toBeNull();
    expect(u!.utilUnknown).toBe(10);
    expect(p!.util).toEqual({ min: 0, mean: 0, max: 3 });
    expect(p!.utilUnknown).toBe(3);
    expect(z!.utilUnknown).toBe(0);
  });

  it('stores memory in 16 MiB steps, rounded up so any use stays visible', () => {
    const [g] = decodeGpus(encodeGpus([quantizeGpu({ ...gpuStats(0, 5), memUsed: { min: 0, mean: 1, max: 1 } })]));
    expect(g!.memUsedMiB).toBe(16);
    const [h] = decodeGpus(encodeGpus([quantizeGpu({ ...gpuStats(0, 5), memUsed: { min: 0, mean: 0, max: 0 } })]));
    expect(h!.memUsedMiB).toBe(0);
  });

  it('rounds the maximum up and the minimum down', () => {
    const g = quantizeGpu({ ...gpuStats(0, 5), util: { min: 8.7, mean: 9.2, max: 9.4 } });
    expect(g.util).toEqual({ min: 8, mean: 9, max: 10 });
  });

  it('saturates unknown counts and huge values instead of wrapping', () => {
    const g = quantizeGpu({ ...gpuStats(0, null, { count: 5000 }), memUsed: { min: 0, mean: 1e9, max: 1e9 }, temp: { min: 0, mean: 900, max: 1e9 } });
    const [d] = decodeGpus(encodeGpus([g]));
    expect(d!.utilUnknown).toBe(255);
    expect(d!.memUsedMiB).toBe(1e9);
    expect(d!.tempC).toBe(254);
  });

  it('refuses truncated or unknown blobs', () => {
    const blob = encodeGpus([quantizeGpu(gpuStats(0, 50))]);
    expect(() => decodeGpus(blob.subarray(0, blob.length - 1))).toThrow(/truncated/);
    expect(() => decodeGpus(Buffer.from([9]))).toThrow(/format/);
  });

  it('round-trips any quantized GPU list (property)', () => {
    const util = fc.option(
      fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })).map(([a, b, c]) => {
        const [min, mean, max] = [a, b, c].sort((x, y) => x - y) as [number, number, number];
        return { min, mean, max };
      }),
      { nil: null },
    );
    const gpu = fc.record({
      index: fc.integer({ min: 0, max: 1023 }),
      util,
      utilUnknown: fc.integer({ min: 0, max: 255 }),
      memUsedMiB: fc.option(
        fc.integer({ min: 0, max: 2 ** 36 }).map((u) => u * 16),
        { nil: null },
      ),
      tempC: fc.option(fc.integer({ min: 0, max: 254 }), { nil: null }),
      powerW: fc.option(fc.integer({ min: 0, max: 1e9 }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(gpu, { maxLength: 64 }), (list: StoredGpu[]) => {
        expect(decodeGpus(encodeGpus(list))).toEqual(list.map((g, i) => (list.every((x, j) => x.index === j) ? { ...g, index: i } : g)));
      }),
    );
  });

  it('reads blobs written before engines were stored (format 1 and 2 rows stay valid)', () => {
    // Bytes as the previous release wrote them: format 1, one GPU at util 0/0/3, mem 2 units, temp 40, power 70.
    const old = Buffer.from([1, 0, 0, 3, 3, 40, 71]);
    expect(decodeGpus(old)).toEqual([{ index: 0, util: { min: 0, mean: 0, max: 3 }, utilUnknown: 0, memUsedMiB: 32, tempC: 40, powerW: 70 }]);
    const stored = [quantizeGpu(gpuStats(0, 50))];
    expect(stored[0]).not.toHaveProperty('engines');
    expect(encodeGpus(stored)[0]).toBe(1); // no engine fields: the old format, no byte added
  });

  it('stores engines: no byte when every GPU is all-zero, one for an all-zero GPU beside others, figures kept, unknown distinct from 0, absent distinct from both', () => {
    const zero = { min: 0, mean: 0, max: 0 };
    const idle = quantizeGpu({ ...gpuStats(0, 0), enc: zero, dec: zero, jpeg: zero, ofa: zero, encSessions: zero });
    const plain = quantizeGpu(gpuStats(1, 0));
    // Every GPU all-zero (a training or idle host on a current driver): not one byte more than without engines.
    const idleHost = [idle, { ...idle, index: 1 }];
    expect(encodeGpus(idleHost).length).toBe(encodeGpus([{ ...plain, index: 0 }, plain]).length);
    expect(decodeGpus(encodeGpus(idleHost))).toEqual(idleHost);
    // Mixed with a GPU that reports none: one byte for the all-zero one.
    expect(encodeGpus([idle, plain]).length).toBe(encodeGpus([{ ...plain, index: 0 }, plain]).length + 1 + 2);
    const encode = quantizeGpu({
      ...gpuStats(0, 8),
      enc: { min: 60, mean: 63.6, max: 99.2 },
      dec: zero,
      jpeg: null,
      ofa: zero,
      encSessions: { min: 2, mean: 2, max: 2 },
    });
    expect(encode.engines).toEqual({ enc: { mean: 64, max: 100 }, dec: { mean: 0, max: 0 }, jpeg: null, ofa: { mean: 0, max: 0 }, encSessions: 2 });
    const older = quantizeGpu({ ...gpuStats(2, 8), enc: { min: 5, mean: 6, max: 7 }, dec: zero });
    const list = [encode, idle, plain, older].map((g, i) => ({ ...g, index: i }));
    expect(decodeGpus(encodeGpus(list))).toEqual(list);
  });

  it('refuses engine bytes that name an absent engine', () => {
    // format 3, GPU 0 util 0/0/0, mem null, temp 40, power null, engines: only enc present (0x81), non-zero mask = dec.
    expect(() => decodeGpus(Buffer.from([3, 0, 0, 0, 0, 40, 0, 0x81, 0x02]))).toThrow(/absent engine/);
  });
});
