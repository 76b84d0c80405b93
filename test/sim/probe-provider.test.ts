import { describe, expect, it } from 'vitest';
import { MemoryProvider, memoryInstance } from '../fakes/memory-provider';
import { type ActionCall, ProbeProvider, SimProcess } from './probe-provider';

function setup() {
  const inner = new MemoryProvider([memoryInstance('1'), memoryInstance('2')]);
  const truth = (id: string) => {
    const i = inner.instances.get(id);
    return !i ? 'gone' : i.state === 'running' ? 'running' : i.state === 'stopped' ? 'stopped' : 'transitional';
  };
  const life = new SimProcess();
  const calls: ActionCall[] = [];
  return { inner, life, calls, probe: new ProbeProvider(inner, truth, () => 42, life, calls) };
}

describe('ProbeProvider', () => {
  it('records every pause and delete with the state before it; acting on what is already done is a duplicate', async () => {
    const { probe, calls } = setup();
    await probe.pause('1');
    await probe.pause('1');
    await probe.delete('2');
    await probe.delete('2');
    expect(calls.map((c) => [c.op, c.providerId, c.before, c.duplicate])).toEqual([
      ['pause', '1', 'running', false],
      ['pause', '1', 'stopped', true],
      ['delete', '2', 'running', false],
      ['delete', '2', 'gone', true],
    ]);
  });

  it('the kill switch fires after the provider acted: the call and every later one never settle', async () => {
    const { probe, life, inner } = setup();
    probe.arm({ op: 'pause', providerId: '2' });
    await probe.pause('1'); // not the armed instance
    let settled = false;
    void probe.pause('2').then(() => (settled = true));
    await life.killed;
    expect(life.dead).toBe(true);
    expect(inner.instances.get('2')!.state).toBe('stopped'); // the request took effect
    expect(life.killedBy).toMatchObject({ op: 'pause', providerId: '2' });
    let listed = false;
    void probe.list().then(() => (listed = true));
    await life.settled();
    await new Promise((r) => setTimeout(r, 20));
    expect([settled, listed]).toEqual([false, false]);
  });
});
