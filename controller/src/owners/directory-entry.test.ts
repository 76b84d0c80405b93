import { describe, expect, it } from 'vitest';
import { parseOwner, parseTeam } from './directory-entry';

describe('directory entries', () => {
  it('takes a Slack member id, an e-mail address and a team', () => {
    expect(parseOwner('alice', { slack: 'U0ALICE01', email: 'alice@example.com', team: 'vision' })).toEqual({
      ok: true,
      value: { name: 'alice', slack: 'U0ALICE01', email: 'alice@example.com', team: 'vision' },
    });
    expect(parseOwner('bob', { slack: 'W012ABC' })).toMatchObject({ ok: true });
  });

  it('refuses what is not a member id, an address or a name, with one line naming the field', () => {
    expect(parseOwner('alice', { slack: '@alice' })).toMatchObject({ ok: false, error: expect.stringContaining('not a Slack member id') });
    expect(parseOwner('alice', { email: 'alice at example' })).toMatchObject({ ok: false, error: expect.stringContaining('not an e-mail address') });
    expect(parseOwner('al ice', {})).toMatchObject({ ok: false });
    expect(parseOwner('alice', { phone: '1' })).toMatchObject({ ok: false, error: expect.stringContaining('unknown field "phone"') });
  });

  it('takes a team webhook, a budget and a default policy', () => {
    expect(parseTeam('vision', { webhook: 'https://hooks.example.com/x', monthlyBudget: '0.5', idle: '2h', noDelete: true })).toEqual({
      ok: true,
      value: { name: 'vision', webhook: 'https://hooks.example.com/x', monthlyBudget: 0.5, idleMinutes: 120, noDelete: true },
    });
    expect(parseTeam('vision', { monthlyBudget: -1 })).toMatchObject({ ok: false, error: expect.stringContaining('monthlyBudget') });
    expect(parseTeam('vision', { webhook: 'ftp://x' })).toMatchObject({ ok: false, error: expect.stringContaining('webhook') });
    expect(parseTeam('vision', { idle: 'soon' })).toMatchObject({ ok: false, error: expect.stringContaining('idle') });
  });
});
