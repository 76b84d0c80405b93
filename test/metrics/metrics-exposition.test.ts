// /metrics of a real controller parsed by the reference parser (Python prometheus_client, Debian's
// python3-prometheus-client): valid exposition, `_total` on counters only, base units, and the process metrics.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../helpers/in-process-controller';

interface Checked {
  families: Record<string, { type: string; samples: { name: string; labels: Record<string, string>; value: number }[] }>;
  problems: string[];
}

const CHECKER = fileURLToPath(new URL('../support/check-exposition.py', import.meta.url));
// Debian's interpreter, where python3-prometheus-client is installed (a pyenv python3 on PATH would not see it).
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function check(text: string): Checked {
  return JSON.parse(execFileSync(PYTHON, [CHECKER], { input: text, encoding: 'utf8', timeout: 30_000 })) as Checked;
}

async function scrape(c: TestController): Promise<string> {
  const res = await fetch(`${c.url}/metrics`, { headers: c.adminHeaders() });
  expect(res.status).toBe(200);
  return res.text();
}

describe('/metrics exposition', () => {
  let a: TestController;
  let b: TestController;
  beforeAll(async () => {
    // Two controllers in one process: the runtime metrics must not be registered twice (prom-client would throw).
    a = await startTestController();
    b = await startTestController();
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('parses with the reference parser and follows the naming rules', async () => {
    const checked = check(await scrape(a));
    // prom-client's names for three gauges, kept as every Node exporter's dashboards know them; nothing else is excused.
    const promClientNames = /^gauge nodejs_active_(handles|requests|resources)_total ends in _total/;
    expect(checked.problems.filter((p) => !promClientNames.test(p))).toEqual([]);
    expect(Object.keys(checked.families).length).toBeGreaterThan(16);
  });

  it('has the process and runtime metrics and the build info, on every controller of the process', async () => {
    for (const c of [a, b]) {
      const { families } = check(await scrape(c));
      expect(families['process_resident_memory_bytes']?.type).toBe('gauge');
      expect(families['process_resident_memory_bytes']!.samples[0]!.value).toBeGreaterThan(0);
      expect(families['process_cpu_seconds']?.type).toBe('counter');
      expect(families['process_cpu_seconds']!.samples.map((s) => s.name)).toContain('process_cpu_seconds_total');
      expect(families['nodejs_heap_size_used_bytes']?.type).toBe('gauge');
      expect(families['nodejs_eventloop_lag_seconds']?.type).toBe('gauge');
      const info = families['cost_optimizer_build_info'];
      expect(info?.type).toBe('gauge');
      expect(info!.samples).toEqual([{ name: 'cost_optimizer_build_info', labels: { version: expect.any(String) as string }, value: 1 }]);
      expect(info!.samples[0]!.labels['version']).not.toBe('');
    }
  });
});
