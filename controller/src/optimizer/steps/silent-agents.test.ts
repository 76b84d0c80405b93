// The silent-agent alert alone: an agent silent too long on a running instance is announced once (log WARN and
// notifier), again only after it has spoken in between, and never for a stopped instance or a host without an agent.
import { describe, expect, it } from 'vitest';
import { memoryInstance } from '../../../../test/fakes/memory-provider';
import { useTempStore } from '../../../../test/helpers/temp-store';
import { memoryLogger } from '../../../../test/support/memory-logger';
import type { Notifier } from '../../notify/webhook-notifier';
import { SilentAgentAlerts } from './silent-agents';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const ts = useTempStore();

function setup() {
  const { logger, lines } = memoryLogger();
  const messages: string[] = [];
  const notifier: Notifier = { notify: (t) => void messages.push(t), flush: async () => {} };
  const agentLastSeen = new Map<string, number>();
  const alerts = new SilentAgentAlerts({ idle: { agentLastSeen }, notifier, logger, agentSilentSec: 60 });
  ts.store.upsertInventory(
    'vast',
    [memoryInstance('1', { name: 'trainer' }), memoryInstance('2', { state: 'stopped', rawState: 'exited' }), memoryInstance('3')],
    T0,
  );
  const check = (at: number) => alerts.check(ts.store.listInstances(), at);
  const warns = () => lines.filter((l) => /WARN +agent of /.test(l));
  return { agentLastSeen, check, messages, warns };
}

describe('SilentAgentAlerts', () => {
  it('announces a silent agent once, and again only after it spoke and went silent again', () => {
    const { agentLastSeen, check, messages, warns } = setup();
    agentLastSeen.set('vast:1', T0);
    check(T0 + 60_000); // exactly the limit: not yet silent
    expect(messages).toEqual([]);
    check(T0 + 61_000);
    check(T0 + 120_000);
    expect(warns()).toHaveLength(1);
    expect(warns()[0]).toContain('agent of vast:1 (trainer) silent for 61 s; its instance is not paused on missing data');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^:mute: agent of vast:1 \(trainer\) silent for 61 s/);

    agentLastSeen.set('vast:1', T0 + 130_000); // it spoke
    check(T0 + 140_000);
    expect(messages).toHaveLength(1);
    check(T0 + 200_000);
    expect(messages).toHaveLength(2);
    expect(messages[1]).toContain('silent for 70 s');
  });

  it('never announces a stopped instance, nor one whose host never had an agent', () => {
    const { agentLastSeen, check, messages, warns } = setup();
    agentLastSeen.set('vast:2', T0);
    check(T0 + 3_600_000);
    check(T0 + 7_200_000);
    expect(messages).toEqual([]);
    expect(warns()).toEqual([]);
  });
});
