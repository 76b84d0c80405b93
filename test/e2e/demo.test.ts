// `cost-optimizer demo` as a newcomer runs it: the built CLI as a real process (provider fakes, real agent processes
// on the fake nvidia-smi, SSH to a loopback sshd when one is installed). Within about a minute the idle notebook is
// paused, the busy, bursty, MIG and protected instances keep running, and the savings move.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from '../helpers/build';
import { waitFor } from '../helpers/in-process-controller';
import { getJson } from '../helpers/spawn-controller';

interface Status {
  instances: { id: string; name: string; state: string; metricSource: string }[];
  savings: { totalUsd: number; pauses: number };
}

let demo: ChildProcess;
let output = '';
let url = '';
let auth: Record<string, string> = {};

beforeAll(async () => {
  ensureBuilt();
  demo = spawn(process.execPath, [CLI, 'demo', '--port', '0', '--duration', '170'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  demo.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  demo.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  url = await waitFor(() => /dashboard at (http:\/\/127\.0\.0\.1:\d+)\//.exec(output)?.[1], 60_000, `the dashboard URL; output:\n${output}`);
  // No ADMIN_TOKEN: the demo's controller generated its credential into its data directory.
  const dataDir = await waitFor(() => /data: +(\S+)/.exec(output)?.[1], 60_000, 'the data directory');
  auth = { authorization: `Bearer ${readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()}` };
}, 90_000);

afterAll(async () => {
  if (demo && demo.exitCode === null) {
    const exited = new Promise((r) => demo.once('exit', r));
    demo.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (demo.exitCode === null) demo.kill('SIGKILL');
  }
});

describe('cost-optimizer demo', () => {
  it('pauses the idle notebook within about a minute, keeps the busy ones, and the savings move', async () => {
    const byName = (s: Status, name: string) => s.instances.find((i) => i.name === name);
    const status = await waitFor(
      async () => {
        const s = await getJson<Status>(`${url}/api/status`, auth);
        return byName(s, 'notebook-left-on')?.state === 'stopped' && s.savings.totalUsd > 0 ? s : false;
      },
      120_000,
      'the idle notebook paused and savings above $0',
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\ndemo output:\n${output.slice(-4000)}`);
    });
    for (const kept of ['llama-finetune', 'inference-bursty', 'mig-h100-busy', 'customer-demo [protect]']) {
      expect(byName(status, kept)?.state, kept).toBe('running');
    }
    expect(status.savings.pauses).toBeGreaterThanOrEqual(1);
    const actions = await getJson<{ instanceId: string; kind: string; status: string }[]>(`${url}/api/actions`, auth);
    expect(actions.some((a) => a.instanceId === 'vast:9001' && a.kind === 'pause' && a.status === 'succeeded')).toBe(true);
    // No kept instance was ever asked to pause or delete.
    const acted = new Set(actions.filter((a) => a.kind === 'pause' || a.kind === 'delete').map((a) => a.instanceId));
    for (const kept of ['llama-finetune', 'inference-bursty', 'mig-h100-busy', 'customer-demo [protect]']) {
      expect(acted.has(byName(status, kept)!.id), kept).toBe(false);
    }
    expect(output).toMatch(/PAUSE: vast:9001 \(RTX 4090\) - GPU avg=/);
    // Two teams and their spend (docs/owners.md).
    const report = await getJson<{ groups: { name: string | null; spendUsd: number }[] }>(`${url}/api/report?by=team`, auth);
    for (const team of ['vision', 'nlp']) expect(report.groups.find((g) => g.name === team)?.spendUsd, team).toBeGreaterThan(0);
    expect(byName(status, 'notebook-left-on')).toMatchObject({ team: 'vision' });
  }, 150_000);
});
