import { describe, expect, it } from 'vitest';
import type { InstanceState } from '../../domain/instance';
import { vastRawState, vastState } from './vast-state';

type Row = [actual: unknown, intended: unknown, cur: unknown, want: InstanceState];

describe('vastState', () => {
  it.each<Row>([
    ['running', 'running', 'running', 'running'],
    // A stopped instance is often "exited" with intended "stopped" (docs/providers.md [seen]); "stopped" is accepted too.
    ['exited', 'stopped', 'stopped', 'stopped'],
    ['stopped', 'stopped', 'stopped', 'stopped'],
    ['exited', undefined, 'stopped', 'stopped'],
    // Stop requested, container still up: stopping.
    ['running', 'stopped', 'running', 'stopping'],
    ['loading', 'stopped', 'running', 'stopping'],
    // Provisioning and boot phases.
    [null, 'running', 'running', 'starting'],
    ['loading', 'running', 'running', 'starting'],
    ['created', 'running', 'running', 'starting'],
    ['rebooting', 'running', 'running', 'starting'],
    ['scheduling', 'running', 'stopped', 'starting'],
    // Resume requested on a stopped instance.
    ['exited', 'running', 'stopped', 'starting'],
    // Container exited on its own while the GPU stays rented: we cannot tell; never "stopped".
    ['exited', 'running', 'running', 'unknown'],
    ['unknown', 'running', 'running', 'unknown'],
    ['offline', 'running', 'running', 'unknown'],
    ['offline', 'stopped', 'stopped', 'unknown'],
    ['frozen', 'frozen', 'running', 'unknown'],
    ['running', 'frozen', 'running', 'unknown'],
    // Destroyed.
    ['exited', 'stopped', 'unloaded', 'deleted'],
    // Garbled: missing, wrong type, unheard-of values.
    [undefined, undefined, undefined, 'unknown'],
    [42, 'running', 'running', 'unknown'],
    ['running', 'sideways', 'running', 'unknown'],
    ['hibernating', 'running', 'running', 'unknown'],
    [{ a: 1 }, ['x'], null, 'unknown'],
  ])('actual=%s intended=%s cur=%s -> %s', (actual, intended, cur, want) => {
    const raw: Record<string, unknown> = {};
    if (actual !== undefined) raw['actual_status'] = actual;
    if (intended !== undefined) raw['intended_status'] = intended;
    if (cur !== undefined) raw['cur_state'] = cur;
    expect(vastState(raw)).toBe(want);
  });

  it('is case-insensitive', () => {
    expect(vastState({ actual_status: 'Exited', intended_status: 'STOPPED', cur_state: 'Stopped' })).toBe('stopped');
  });

  it('keeps all three fields in the raw state for explain', () => {
    expect(vastRawState({ actual_status: 'exited', intended_status: 'stopped', cur_state: 'stopped' })).toBe('exited (intended stopped, cur stopped)');
    expect(vastRawState({ actual_status: null })).toBe('null (intended null, cur null)');
  });
});
