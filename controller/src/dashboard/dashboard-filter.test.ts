import { describe, expect, it } from 'vitest';
import { memoryInstance } from '../../../test/fakes/memory-provider';
import { useTempStore } from '../../../test/helpers/temp-store';
import { createApp } from '../http/app';
import { dashboardRoute } from './dashboard-route';
import { computeSavings } from '../savings/savings';

const t = useTempStore();

describe('dashboard team and owner filter', () => {
  it('shows only the chosen team or owner, with the choice kept in the URL and the form', async () => {
    const NOW = Date.parse('2026-11-10T08:00:00Z');
    t.store.upsertInventory(
      'vast',
      [
        memoryInstance('1', { name: 'alpha [team=vision] [owner=alice]' }),
        memoryInstance('2', { name: 'beta [team=nlp]' }),
        memoryInstance('3', { name: 'gamma' }),
      ],
      NOW,
    );
    const decisionView = {
      instance: () => ({ idleSince: null, protected: false, nextAction: null }),
      savings: () => ({ ...computeSavings([], NOW) }) as Record<string, unknown>,
      explain: () => null,
    };
    const app = createApp({ store: t.store, adminToken: null, now: () => NOW, decisionView, routes: [dashboardRoute({ threshold: 10, dryRun: false })] });
    const all = await (await app.request('/')).text();
    for (const n of ['alpha', 'beta', 'gamma']) expect(all).toContain(n);
    const vision = await (await app.request('/?team=vision')).text();
    expect(vision).toContain('alpha');
    expect(vision).not.toContain('beta [team=nlp]');
    expect(vision).not.toContain('gamma');
    expect(vision).toMatch(/<option value="vision" selected[^>]*>vision<\/option>/);
    const alice = await (await app.request('/?owner=alice')).text();
    expect(alice).toContain('alpha');
    expect(alice).not.toContain('gamma');
  });
});
