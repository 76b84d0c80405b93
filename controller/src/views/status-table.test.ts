import { describe, expect, it } from 'vitest';
import { renderStatusTable, type StatusInstanceView } from './status-table';

const base: StatusInstanceView = {
  id: 'vast:123456',
  provider: 'vast',
  name: 'trainer',
  state: 'running',
  gpuName: 'RTX 4090',
  numGpus: 2,
  pricePerHour: 0.8,
  metricSource: 'agent',
  lastSample: { t: 0, util: 3.25, memUsed: 1, memTotal: 2 },
  idleSince: new Date(0).toISOString(),
  protected: false,
  nextAction: { kind: 'pause', at: new Date(30 * 60_000).toISOString(), reason: 'idle' },
};

describe('renderStatusTable', () => {
  it('prints one row per instance with util, idle time and next action', () => {
    const text = renderStatusTable(
      [base, { ...base, id: 'gcp:z/b', lastSample: { t: 0, util: null, memUsed: null, memTotal: null }, idleSince: null, nextAction: null, protected: true }],
      10 * 60_000,
    );
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^INSTANCE\s+PROVIDER\s+STATE/);
    expect(lines[1]).toMatch(/vast:123456\s+vast\s+running\s+2x RTX 4090\s+3\.3%\s+agent\s+10m\s+pause in 20m/);
    expect(lines[2]).toMatch(/gcp:z\/b .*unknown\s+agent\s+-\s+protected/);
  });

  it('prints no terminal control from names a provider or agent chose', () => {
    const text = renderStatusTable([{ ...base, gpuName: 'H100\u001b[2J\u001b]0;owned\u0007\nfake row' }], 10 * 60_000);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text.trim().split('\n')).toHaveLength(2);
    expect(text).toContain('H100 fake row');
  });
});
