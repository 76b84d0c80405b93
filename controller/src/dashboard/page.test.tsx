import { describe, expect, it } from 'vitest';
import { DashboardPage } from './page';
import { sparklinePaths } from './sparkline';

describe('dashboard page', () => {
  it('renders the fleet, paused instances as paused, savings and the audit log', () => {
    const html = String(
      <DashboardPage
        instances={[
          {
            id: 'vast:1',
            provider: 'vast',
            name: 'a<img src=x onerror=alert(1)>"',
            state: 'stopped',
            gpuName: 'RTX 4090',
            numGpus: 1,
            pricePerHour: 0.5,
            metricSource: 'agent',
            lastSample: null,
            idleSince: null,
            protected: false,
            nextAction: null,
          },
          {
            id: 'gcp:z/b<x>',
            provider: 'gcp',
            name: 'b',
            state: 'running',
            gpuName: 'L4',
            numGpus: 2,
            pricePerHour: 1.2,
            metricSource: 'ssh',
            lastSample: { t: 0, util: null, memUsed: null, memTotal: null },
            idleSince: null,
            protected: true,
            nextAction: null,
          },
        ]}
        sparklines={new Map([['vast:1', [1, 2, null, 3]]])}
        actions={[
          { instanceId: 'vast:1', kind: 'pause', status: 'succeeded', reason: 'idle 30 min', at: '2026-11-29T03:00:00.000Z' },
          {
            instanceId: 'vast:2',
            kind: 'warn-pause',
            status: 'succeeded',
            reason: 'warned 6 times, called off 6 times since 02:02 UTC',
            at: '2026-11-29T02:03:00.000Z',
            rows: 6,
          },
        ]}
        savings={{
          totalUsd: 12.5,
          currentRateUsdPerHour: 0.48,
          monthlyProjectionUsd: 350.4,
          pausedHours: 25,
          pauses: 1,
          deletes: 0,
          lastDayUsd: 11.5,
          lastWeekUsd: 12.5,
          byProvider: { vast: 12.5 },
          deleteHorizonDays: 30,
        }}
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
    // Repeated pause warnings are one line of the audit log.
    expect(html).toContain('warn-pause<span class="repeat"> ×6</span>');
    expect(html).toContain('warned 6 times, called off 6 times since 02:02 UTC');
  });

  it('shows the other engines and the temperature under the SM figure', () => {
    const encode = {
      t: 0,
      util: 8,
      memUsed: 819,
      memTotal: 8192,
      tempC: 45,
      engines: {
        enc: { max: 100, mean: 100, gpu: 0 },
        dec: { max: 0, mean: 0, gpu: 0 },
        jpeg: { max: 0, mean: 0, gpu: 0 },
        encSessions: { max: 2, mean: 2, gpu: 0 },
      },
    };
    const html = String(
      <DashboardPage
        instances={[
          {
            id: 'vast:9',
            provider: 'vast',
            name: 'ffmpeg',
            state: 'running',
            gpuName: 'RTX 2080 SUPER',
            numGpus: 1,
            pricePerHour: 0.2,
            metricSource: 'agent',
            lastSample: encode,
            idleSince: null,
            protected: false,
            nextAction: null,
          },
        ]}
        sparklines={new Map()}
        actions={[]}
        savings={{
          totalUsd: 0,
          currentRateUsdPerHour: 0,
          monthlyProjectionUsd: 0,
          pausedHours: 0,
          pauses: 0,
          deletes: 0,
          lastDayUsd: 0,
          lastWeekUsd: 0,
          byProvider: {},
          deleteHorizonDays: 30,
        }}
        now={Date.parse('2026-11-29T04:00:00Z')}
        threshold={10}
        dryRun={false}
      />,
    );
    expect(html).toContain('8%');
    expect(html).toContain('enc 100% · dec 0% · 2 enc sessions · 45°C');
  });

  it('breaks the sparkline at unknown points instead of drawing 0', () => {
    const paths = sparklinePaths([10, 20, null, null, 50], 100, 22);
    expect(paths).toHaveLength(2);
    expect(paths[0]!.startsWith('M0.0,')).toBe(true);
    expect(paths[1]!.startsWith('M100.0,')).toBe(true);
  });
});
