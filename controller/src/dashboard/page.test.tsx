import { describe, expect, it } from 'vitest';
import { DashboardPage } from './page';
import { sparklinePaths } from './sparkline';

describe('dashboard page', () => {
  it('renders the fleet, paused instances as paused, savings and the audit log', () => {
    const html = String(
      <DashboardPage
        instances={[
          { id: 'vast:1', provider: 'vast', name: 'a<img src=x onerror=alert(1)>"', state: 'stopped', gpuName: 'RTX 4090', numGpus: 1, pricePerHour: 0.5, metricSource: 'agent', lastSample: null, idleSince: null, protected: false, nextAction: null },
          { id: 'gcp:z/b<x>', provider: 'gcp', name: 'b', state: 'running', gpuName: 'L4', numGpus: 2, pricePerHour: 1.2, metricSource: 'ssh', lastSample: { t: 0, util: null, memUsed: null, memTotal: null }, idleSince: null, protected: true, nextAction: null },
        ]}
        sparklines={new Map([['vast:1', [1, 2, null, 3]]])}
        actions={[{ instanceId: 'vast:1', kind: 'pause', status: 'succeeded', reason: 'idle 30 min', at: '2026-11-29T03:00:00.000Z' }]}
        savings={{ totalUsd: 12.5, currentRateUsdPerHour: 0.48, monthlyProjectionUsd: 350.4, pausedHours: 25, pauses: 1, deletes: 0 }}
        now={Date.parse('2026-11-29T04:00:00Z')}
        threshold={10}
        dryRun={false}
      />,
    );
    expect(html).toContain('data-instance="vast:1" data-state="stopped"');
    expect(html).toMatch(/state-stopped">paused</);
    expect(html).toContain('$12.50');
    expect(html).toContain('$350.40');
    expect(html).toContain('unknown');
    expect(html).toContain('protected');
    expect(html).toContain('gcp:z/b&lt;x&gt;'); // escaped
    expect(html).toContain('id="i-gcp%3Az%2Fb%3Cx%3E" data-instance="gcp:z/b&lt;x&gt;"');
    expect(html).not.toContain('<img');
    expect(html).toContain('a&lt;img src=x onerror=alert(1)&gt;&quot;');
    expect(html).toContain('http-equiv="refresh"');
  });

  it('breaks the sparkline at unknown points instead of drawing 0', () => {
    const paths = sparklinePaths([10, 20, null, null, 50], 100, 22);
    expect(paths).toHaveLength(2);
    expect(paths[0]!.startsWith('M0.0,')).toBe(true);
    expect(paths[1]!.startsWith('M100.0,')).toBe(true);
  });
});
