// doctor's agent line from the standing of each token holder: silent on a running instance fails, never seen warns.
import { describe, expect, it } from 'vitest';
import { type AgentRow, checkAgents, staleAfterMs } from './doctor-agents';

const NOW = 1_700_000_000_000;
const row = (instanceId: string, standing: AgentRow['standing'], extra: Partial<AgentRow> = {}): AgentRow => ({
  instanceId,
  standing,
  state: 'running',
  lastSampleAt: standing === 'never seen' ? null : NOW - 600_000,
  mintedAt: NOW - 7_200_000,
  ...extra,
});

describe('doctor agents', () => {
  it('uses the window of /api/status', () => {
    expect(staleAfterMs({ agentSilentSec: 60, checkIntervalSec: 60 })).toBe(180_000);
  });

  it('is ok with none enrolled or all connected', () => {
    expect(checkAgents([], NOW)).toMatchObject({ status: 'ok', text: expect.stringContaining('none enrolled') });
    expect(checkAgents([row('vast:1', 'connected')], NOW)).toMatchObject({ status: 'ok', text: '1 connected, 0 silent, 0 never seen' });
  });

  it('fails on a silent agent of a running instance, not of a stopped one', () => {
    const l = checkAgents([row('vast:1', 'connected'), row('vast:2', 'silent')], NOW);
    expect(l.status).toBe('FAIL');
    expect(l.text).toBe('1 connected, 1 silent, 0 never seen; silent on a running instance: vast:2 (last sample 10 min ago)');
    expect(checkAgents([row('vast:2', 'silent', { state: 'stopped' })], NOW).status).toBe('ok');
  });

  it('warns on an agent never seen', () => {
    const l = checkAgents([row('vast:3', 'never seen')], NOW);
    expect(l).toMatchObject({ status: 'warn', text: '0 connected, 0 silent, 1 never seen; never reported: vast:3 (token minted 2 h ago)' });
  });
});
