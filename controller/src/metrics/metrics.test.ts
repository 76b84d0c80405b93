import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics';
import { parsePrometheusText } from '../../../test/support/parse-exposition';

describe('Metrics', () => {
  it('shows spend and budget by team only, never by owner or instance', async () => {
    const m = new Metrics(() => ({
      instances: [],
      savingsTotalUsd: 0,
      savingsMonthlyUsd: 0,
      agentsConnected: 0,
      teams: [
        { team: 'vision', spendMonthUsd: 12.5, spendRateUsdPerHour: 36, monthlyBudgetUsd: 500 },
        { team: 'nlp', spendMonthUsd: 1, spendRateUsdPerHour: 0, monthlyBudgetUsd: null },
      ],
    }));
    const samples = parsePrometheusText(await m.render());
    const team = samples.filter((s) => s.name.startsWith('cost_optimizer_team_'));
    expect(team.map((s) => [s.name, s.labels, s.value])).toEqual([
      ['cost_optimizer_team_spend_month_usd', { team: 'vision' }, 12.5],
      ['cost_optimizer_team_spend_month_usd', { team: 'nlp' }, 1],
      ['cost_optimizer_team_spend_rate_usd_per_hour', { team: 'vision' }, 36],
      ['cost_optimizer_team_spend_rate_usd_per_hour', { team: 'nlp' }, 0],
      ['cost_optimizer_team_budget_usd', { team: 'vision' }, 500],
    ]);
  });

  it('renders valid Prometheus exposition with fleet, actions and savings', async () => {
    const m = new Metrics(() => ({
      instances: [
        { id: 'vast:1', provider: 'vast', state: 'stopped', util: null, pricePerHour: 0.5 },
        { id: 'gcp:us-central1-a/x"y', provider: 'gcp', state: 'running', util: 42.5, pricePerHour: 3.67 },
      ],
      savingsTotalUsd: 12.5,
      savingsMonthlyUsd: 300,
      agentsConnected: 3,
    }));
    m.actions.inc({ kind: 'pause', status: 'succeeded' });
    m.cycleDuration.observe(0.12);
    const text = await m.render();
    const samples = parsePrometheusText(text);
    const get = (name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(get('cost_optimizer_instance_gpu_utilization_percent', { instance: 'gcp:us-central1-a/x"y' })).toBe(42.5);
    expect(get('cost_optimizer_instance_gpu_utilization_percent', { instance: 'vast:1' })).toBeUndefined();
    expect(get('cost_optimizer_instance_state', { instance: 'vast:1', state: 'stopped' })).toBe(1);
    expect(get('cost_optimizer_instance_state', { instance: 'vast:1', state: 'running' })).toBe(0);
    expect(get('cost_optimizer_actions_total', { kind: 'pause', status: 'succeeded' })).toBe(1);
    expect(get('cost_optimizer_savings_usd')).toBe(12.5);
    expect(get('cost_optimizer_agents_connected')).toBe(3);
    expect(get('cost_optimizer_cycle_duration_seconds_count')).toBe(1);
  });

  it('shows each engine and the temperature per instance; nothing for what was not reported', async () => {
    const m = new Metrics(() => ({
      instances: [
        {
          id: 'vast:2',
          provider: 'vast',
          state: 'running',
          util: 8,
          pricePerHour: 0.2,
          engines: { enc: 100, dec: 0, jpeg: 0, ofa: 0, encSessions: 2 },
          tempC: 45,
        },
        { id: 'vast:3', provider: 'vast', state: 'running', util: null, pricePerHour: 0.2, engines: {}, tempC: null },
      ],
      savingsTotalUsd: 0,
      savingsMonthlyUsd: 0,
      agentsConnected: 2,
    }));
    const samples = parsePrometheusText(await m.render());
    const get = (name: string, labels: Record<string, string>) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    const engine = 'cost_optimizer_instance_gpu_engine_utilization_percent';
    expect(get(engine, { instance: 'vast:2', engine: 'sm' })).toBe(8);
    expect(get(engine, { instance: 'vast:2', engine: 'encoder' })).toBe(100);
    expect(get(engine, { instance: 'vast:2', engine: 'decoder' })).toBe(0);
    expect(get('cost_optimizer_instance_gpu_encoder_sessions', { instance: 'vast:2' })).toBe(2);
    expect(get('cost_optimizer_instance_gpu_temperature_celsius', { instance: 'vast:2' })).toBe(45);
    expect(
      samples.filter(
        (s) => s.labels['instance'] === 'vast:3' && s.name !== 'cost_optimizer_instance_state' && s.name !== 'cost_optimizer_instance_price_usd_per_hour',
      ),
    ).toEqual([]);
  });

  it('the validator rejects malformed exposition', () => {
    expect(() => parsePrometheusText('metric{a="1" 2\n')).toThrow();
    expect(() => parsePrometheusText('# TYPE x counter\nx abc\n')).toThrow();
    expect(() => parsePrometheusText('1bad 3\n')).toThrow();
  });
});
