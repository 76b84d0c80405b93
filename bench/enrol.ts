// Enrolment benchmark: a fleet restart where every agent enrols at once. The built controller as a child process
// with the Vast.ai fake listing N running instances at 127.0.0.1; once its inventory holds them all, N simulated
// agents each POST /agent/enrol with the one join token and then connect to /agent with the token they were granted.
// Prints the time until every agent was welcomed (target: 1,000 agents within 60 s) and the slowest single agent.
//   npm run bench:enrol                     (1000 agents)
//   BENCH_AGENTS=100 npm run bench:enrol
// Env: BENCH_AGENTS (or argv[2]), BENCH_DATA_PARENT (where the temporary DATA_DIR goes; default the OS temp dir).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENROL_PATH, EnrolGrantSchema } from '../protocol';
import { startVastFake, vastInstance } from '../controller/src/fake-world/vast-fake';
import { freePort } from '../test/helpers/free-port';
import { SimAgent } from '../test/sim-agent';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const FIRST_ID = 5_000_001;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const n = Number(process.env.BENCH_AGENTS ?? process.argv[2] ?? 1000);
  if (!Number.isInteger(n) || n < 1 || n > 20_000) throw new Error('BENCH_AGENTS must be a whole number between 1 and 20000');
  const vast = await startVastFake({
    instances: Array.from({ length: n }, (_, i) => vastInstance({ id: FIRST_ID + i, raw: { public_ipaddr: '127.0.0.1' } })),
  });
  const dataDir = mkdtempSync(join(process.env.BENCH_DATA_PARENT ?? tmpdir(), 'co-bench-enrol-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // The admin API always needs a credential: the bench sets its own.
  const admin = randomBytes(24).toString('hex');
  const auth = { authorization: `Bearer ${admin}` };
  const ctl = spawn(process.execPath, [join(ROOT, 'dist/cli.mjs'), 'serve'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      VAST_API_KEY: vast.apiKey,
      VAST_API_URL: vast.url,
      CHECK_INTERVAL: '5',
      ADMIN_TOKEN: admin,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let refusals = 0;
  ctl.stderr!.on('data', (d: Buffer) => (refusals += (d.toString().match(/enrolment refused/g) ?? []).length));
  const agents: SimAgent[] = [];
  try {
    // Wait for the server, then for the inventory to list every instance.
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error('the controller did not list every instance within 180 s');
      try {
        const s = (await (await fetch(`${base}/api/status`, { headers: auth })).json()) as { instances: { id: string; state: string }[] };
        if (s.instances.filter((i) => i.state === 'running').length >= n) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const made = (await (
      await fetch(`${base}/api/tokens`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"join":true}' })
    ).json()) as { token: string };

    const perAgent: number[] = [];
    const enrolOnly: number[] = [];
    let failed = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const t0 = performance.now();
        try {
          const r = await fetch(base + ENROL_PATH, {
            method: 'POST',
            headers: { authorization: `Bearer ${made.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ v: 1, instanceId: `vast:${FIRST_ID + i}`, source: 'override' }),
          });
          if (r.status !== 201) throw new Error(`HTTP ${r.status}`);
          const grant = EnrolGrantSchema.parse(await r.json());
          enrolOnly.push(performance.now() - t0);
          const agent = new SimAgent({ url: `ws://127.0.0.1:${port}/agent`, token: grant.token, gpus: 1 });
          agents.push(agent);
          await agent.connect();
          perAgent.push(performance.now() - t0);
        } catch (err) {
          failed++;
          if (failed <= 3) console.error(`agent ${i}: ${(err as Error).message}`);
        }
      }),
    );
    const totalMs = performance.now() - started;
    perAgent.sort((a, b) => a - b);
    enrolOnly.sort((a, b) => a - b);
    const s = (ms: number) => (ms / 1000).toFixed(2);
    console.log(
      `enrolment of ${n} agents at once: all done in ${s(totalMs)} s (${perAgent.length} welcomed, ${failed} failed, ${refusals} refusals logged); ` +
        `per agent p50 ${s(percentile(perAgent, 50))} s, p99 ${s(percentile(perAgent, 99))} s, max ${s(perAgent.at(-1) ?? NaN)} s ` +
        `(of which the enrolment request: p50 ${s(percentile(enrolOnly, 50))} s, p99 ${s(percentile(enrolOnly, 99))} s)`,
    );
    if (failed > 0) process.exitCode = 1;
  } finally {
    for (const a of agents) a.ws?.terminate();
    ctl.kill('SIGTERM');
    await new Promise((r) => ctl.once('exit', r));
    await vast.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
