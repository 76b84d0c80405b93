// The inventory step alone: what answered is stored and current; a provider whose list failed is counted, logged and
// left out of the cycle, while the instances it listed before stay in the store.
import { describe, expect, it } from 'vitest';
import { MemoryProvider, memoryInstance } from '../../../../test/fakes/memory-provider';
import { useTempStore } from '../../../../test/helpers/temp-store';
import { memoryLogger } from '../../../../test/support/memory-logger';
import { ProviderError } from '../../domain/errors';
import type { ProviderName } from '../../domain/instance';
import type { Provider } from '../../providers/provider';
import { takeInventory } from './inventory';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const ts = useTempStore();

describe('takeInventory', () => {
  it('stores what answered and leaves out a provider whose list failed', async () => {
    const vast = new MemoryProvider([memoryInstance('1')]);
    const td = new MemoryProvider([{ ...memoryInstance('a'), id: 'tensordock:a', provider: 'tensordock' }], 'tensordock');
    const providers = new Map<ProviderName, Provider>([
      ['vast', vast],
      ['tensordock', td],
    ]);
    const { logger, lines } = memoryLogger();
    const errors: string[] = [];
    const metrics = { providerErrors: { inc: (l: { provider: string; op: string }) => void errors.push(`${l.provider}/${l.op}`) } };
    const first = await takeInventory({ providers, store: ts.store, logger, metrics: metrics as never }, T0);
    expect(first.current.map((r) => r.id).sort()).toEqual(['tensordock:a', 'vast:1']);
    expect([...first.fresh].sort()).toEqual(['manual', 'tensordock', 'vast']);

    td.failNext.push({ op: 'list', error: new ProviderError({ provider: 'tensordock', op: 'list', message: 'HTTP 503', retryable: true, status: 503 }) });
    const second = await takeInventory({ providers, store: ts.store, logger, metrics: metrics as never }, T0 + 60_000);
    expect(second.current.map((r) => r.id)).toEqual(['vast:1']);
    expect(second.records.map((r) => r.id).sort()).toEqual(['tensordock:a', 'vast:1']);
    expect(second.fresh.has('tensordock')).toBe(false);
    expect(errors).toEqual(['tensordock/list']);
    expect(lines.some((l) => /inventory tensordock failed after 1 attempts: .*503.*not acted on this cycle/.test(l))).toBe(true);
  });
});
