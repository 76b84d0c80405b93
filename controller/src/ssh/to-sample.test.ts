// SSH results as store inputs: readings keep source ssh, failures become unknown samples.
import { describe, expect, it } from 'vitest';
import { AgentHealthSchema } from '../../../protocol';
import type { SampleInput } from '../store/types';
import { toSshSample } from './to-sample';
import type { SshFailureCode, SshResult } from './ssh-result';

const target = { instanceId: 'vast:1', host: 'h', port: 22 };
const gpu = { index: 0, uuid: 'GPU-a', count: 1, utilUnknown: 0, util: { min: 4, mean: 4, max: 4 }, memUsed: null, memTotal: 81559, temp: null, power: null };

describe('toSshSample', () => {
  it('passes readings through with source ssh and ok health', () => {
    const r: SshResult = { instanceId: 'vast:1', target, ok: true, gpus: [gpu], procs: null, t0: 1000, t1: 1400, durationMs: 400 };
    const input: SampleInput = toSshSample(r); // the store's shared insert path takes it as it is
    expect(input).toEqual({ instanceId: 'vast:1', source: 'ssh', t0: 1000, t1: 1400, gpus: [gpu], procs: null, health: { state: 'ok' } });
  });

  it('turns every failure into an unknown sample with a valid protocol health naming the reason', () => {
    const codes: SshFailureCode[] = ['auth', 'hostkey', 'unreachable', 'timeout', 'driver', 'missing', 'exited', 'parse', 'backoff', 'invalid', 'busy'];
    for (const code of codes) {
      const s = toSshSample({ instanceId: 'vast:1', target, ok: false, code, message: 'x'.repeat(2000), t0: 5, t1: 5, durationMs: 0 });
      expect(s.gpus).toEqual([]);
      expect(s.source).toBe('ssh');
      expect(AgentHealthSchema.safeParse(s.health).success, code).toBe(true);
      expect(s.health.state === 'error' && s.health.message.startsWith(`ssh ${code}: `)).toBe(true);
    }
    const d = toSshSample({ instanceId: 'vast:1', target, ok: false, code: 'driver', message: 'm', t0: 1, t1: 2, durationMs: 1 });
    expect(d.health).toEqual({ state: 'error', code: 'driver', message: 'ssh driver: m' });
  });
});
