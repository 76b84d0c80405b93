import { describe, expect, it } from 'vitest';
import type { InstanceState } from '../../domain/instance';
import { isTensordockGone, tensordockState } from './tensordock-state';

describe('tensordockState', () => {
  it.each<[unknown, InstanceState]>([
    ['running', 'running'],
    ['Running', 'running'],
    ['RUNNING', 'running'],
    ['starting', 'starting'],
    ['stopping', 'stopping'],
    ['stopped', 'stopped'],
    ['Stopped', 'stopped'],
    ['StoppedDisassociated', 'stopped'],
    ['stopped_disassociated', 'stopped'],
    ['stopped-disassociated', 'stopped'],
    ['Stopped Disassociated', 'stopped'],
    ['terminated', 'deleted'],
    ['deleted', 'deleted'],
    ['deleting', 'stopping'],
    // Outbid: stopped by the platform, billing and restart undocumented: never counted as a user stop.
    ['Outbid', 'unknown'],
    ['error', 'unknown'],
    ['', 'unknown'],
    [null, 'unknown'],
    [undefined, 'unknown'],
    [3, 'unknown'],
    ['levitating', 'unknown'],
  ])('%s -> %s', (status, want) => {
    expect(tensordockState(status)).toBe(want);
  });

  it('knows which statuses mean gone', () => {
    expect(isTensordockGone('Terminated')).toBe(true);
    expect(isTensordockGone('stopped')).toBe(false);
  });
});
