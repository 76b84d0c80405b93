import { describe, expect, it } from 'vitest';
import { HostFactsSchema } from '../../protocol';
import { collectHostFacts, nodeOsFacts } from './host-facts';
import { memoryLogger } from '../../test/support/memory-logger';

describe('collectHostFacts', () => {
  it('collects valid facts from systeminformation on this machine', async () => {
    const { logger, lines } = memoryLogger();
    // systeminformation runs a few shell commands; allow for a busy machine.
    const facts = await collectHostFacts({ logger, timeoutMs: 30_000 });
    expect(lines).toEqual([]);
    expect(HostFactsSchema.safeParse(facts).success).toBe(true);
    expect(facts.hostname).toBe(nodeOsFacts().hostname);
    expect(facts.cpuCores).toBeGreaterThan(0);
    expect(facts.memTotalMiB).toBeGreaterThan(0);
    expect(facts.nodeVersion).toBe(process.version);
  });

  it('uses the distro and release when systeminformation gives them', async () => {
    const facts = await collectHostFacts({
      logger: memoryLogger().logger,
      osInfo: async () => ({ hostname: 'gpu-1', distro: 'Ubuntu', release: '22.04.4 LTS', kernel: '5.15.0-1', arch: 'x64' }),
    });
    expect(facts).toMatchObject({ hostname: 'gpu-1', os: 'Ubuntu 22.04.4 LTS', kernel: '5.15.0-1', arch: 'x64' });
  });

  it('falls back to node:os when systeminformation fails or hangs, and says so', async () => {
    const { logger, lines } = memoryLogger();
    const failed = await collectHostFacts({ logger, osInfo: () => Promise.reject(new Error('boom')) });
    const hung = await collectHostFacts({ logger, osInfo: () => new Promise(() => {}), timeoutMs: 100 });
    for (const f of [failed, hung]) {
      expect(HostFactsSchema.safeParse(f).success).toBe(true);
      expect(f.hostname).toBe(nodeOsFacts().hostname);
      expect(f.kernel).toBe(nodeOsFacts().kernel);
    }
    expect(lines.filter((l) => l.includes('using node:os'))).toHaveLength(2);
  });
});
