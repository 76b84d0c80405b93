import { describe, expect, it } from 'vitest';
import { HostFactsSchema } from '../../protocol';
import { collectHostFacts, nodeOsFacts, parseOsRelease } from './host-facts';
import { memoryLogger } from '../../test/support/memory-logger';

describe('collectHostFacts', () => {
  it('collects valid facts on this machine without a warning', async () => {
    const { logger, lines } = memoryLogger();
    const facts = await collectHostFacts({ logger });
    expect(lines).toEqual([]);
    expect(HostFactsSchema.safeParse(facts).success).toBe(true);
    expect(facts.hostname).toBe(nodeOsFacts().hostname);
    expect(facts.os).not.toBe(nodeOsFacts().distro);
    expect(facts.cpuCores).toBeGreaterThan(0);
    expect(facts.memTotalMiB).toBeGreaterThan(0);
    expect(facts.nodeVersion).toBe(process.version);
  });

  it('shows NAME and VERSION from os-release, without the code name', async () => {
    const osRelease = async () => 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\nID=ubuntu\n';
    const facts = await collectHostFacts({ logger: memoryLogger().logger, osRelease });
    expect(facts.os).toBe('Ubuntu 22.04.4 LTS');
    const alpine = await collectHostFacts({ logger: memoryLogger().logger, osRelease: async () => "NAME='Alpine Linux'\nID=alpine\nVERSION_ID=3.20.1\n" });
    expect(alpine.os).toBe('Alpine Linux 3.20.1');
  });

  it('parses quoting and escapes as os-release(5) says, and skips junk lines', () => {
    expect(parseOsRelease('# comment\nNAME="A \\"B\\""\nX=plain\nbad line\n  Y = no\n')).toEqual({ NAME: 'A "B"', X: 'plain' });
  });

  it('falls back to node:os when os-release is unreadable, and says so', async () => {
    const { logger, lines } = memoryLogger();
    const f = await collectHostFacts({ logger, osRelease: () => Promise.reject(new Error('ENOENT')) });
    expect(HostFactsSchema.safeParse(f).success).toBe(true);
    expect(f.os).toBe(nodeOsFacts().distro);
    expect(f.kernel).toBe(nodeOsFacts().kernel);
    expect(lines.filter((l) => l.includes('cannot read /etc/os-release'))).toHaveLength(1);
  });
});
