// Bench for the agent targets in docs/architecture.md: runs the BUILT dist/agent.js with the fake nvidia-smi at 1 s sampling against a
// tiny local ws server that acks, and prints the agent process's RSS, CPU, bundle size and child-process count.
// Usage: npm run bench:agent   (BENCH_SECONDS=60 by default, BENCH_GPUS=8 fake GPUs by default)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeAgentController } from '../test/fakes/fake-agent-controller';
import { agentNodeFlags } from '../test/helpers/agent-node-flags';
import { BUSY_H100, FAKE_NVIDIA_SMI, IDLE_H100, countFakeSpawns, writeFakeState } from '../controller/src/fake-world/fake-nvidia-smi';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const AGENT = join(ROOT, 'dist/agent.js');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const GPUS = Number(process.env.BENCH_GPUS ?? 8);
/** CPU is measured after start-up (module load, host facts), which is a one-off cost. */
const WARMUP_S = Math.min(10, Math.floor(SECONDS / 4));
/** install.sh's AGENT_NODE_FLAGS; BENCH_NODE_FLAGS overrides ('' for none). */
const NODE_FLAGS = process.env.BENCH_NODE_FLAGS !== undefined ? process.env.BENCH_NODE_FLAGS.split(/\s+/).filter(Boolean) : agentNodeFlags();

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
}

/** VmRSS and its split: RssFile is mostly the node executable's own pages (shared, reclaimable), RssAnon is private. */
function memKiB(pid: number): { rss: number; anon: number; file: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
    return { rss: field('VmRSS'), anon: field('RssAnon'), file: field('RssFile') };
  } catch {
    return null;
  }
}

/** utime + stime of the process itself (children excluded), in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]); // fields 14 and 15: utime, stime
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  if (!existsSync(AGENT)) throw new Error('dist/agent.js is missing: run `npm run build` (npm run bench:agent does)');
  if (!Number.isFinite(SECONDS) || SECONDS < 5) throw new Error('BENCH_SECONDS must be a number >= 5');
  const dir = mkdtempSync(join(tmpdir(), 'bench-agent-'));
  const statePath = join(dir, 'gpu.json');
  const spawnLog = join(dir, 'spawns.log');
  writeFakeState(statePath, { gpus: Array.from({ length: GPUS }, (_, i) => (i % 2 ? BUSY_H100 : IDLE_H100)), procs: 2 });
  const controller = await FakeAgentController.start({ token: 'bench-token-0000' });
  const agent = spawn(process.execPath, [...NODE_FLAGS, AGENT], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      CONTROLLER_URL: controller.url,
      AGENT_TOKEN: 'bench-token-0000',
      NVIDIA_SMI: FAKE_NVIDIA_SMI,
      SAMPLE_INTERVAL_MS: '1000',
      REPORT_INTERVAL_MS: '10000',
      FAKE_NVIDIA_SMI_STATE: statePath,
      FAKE_NVIDIA_SMI_SPAWN_LOG: spawnLog,
      LOG_LEVEL: 'warn',
      ...(process.env.MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX } : {}),
      // Host activity and inhibitions are read with each report from the real /proc, /sys and the default directory;
      // set these to a missing path to compare with them off.
      ...Object.fromEntries(['HOST_PROC', 'HOST_SYS', 'AGENT_INHIBIT_DIR'].filter((k) => process.env[k]).map((k) => [k, process.env[k]!])),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const pid = agent.pid!;
  // A control: a bare node process with a 1 s timer, measured over the same window, shows what this machine charges
  // any idle node process (shared CI machines are noisy).
  const control = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const exited = new Promise<number | null>((r) => agent.on('exit', (code) => r(code)));
  const hz = clockTicks();

  const rss: number[] = [];
  const anon: number[] = [];
  const file: number[] = [];
  let controlRss = 0;
  let cpuStart = 0;
  let controlStart = 0;
  let wallStart = 0;
  const started = Date.now();
  for (let s = 1; s <= SECONDS; s++) {
    await sleep(started + s * 1000 - Date.now());
    const m = memKiB(pid);
    if (m === null) throw new Error('the agent exited early');
    rss.push(m.rss);
    anon.push(m.anon);
    file.push(m.file);
    if (s === WARMUP_S) {
      cpuStart = cpuTicks(pid);
      controlStart = cpuTicks(control.pid!);
      wallStart = Date.now();
    }
  }
  const cpuEnd = cpuTicks(pid);
  const controlEnd = cpuTicks(control.pid!);
  controlRss = memKiB(control.pid!)?.rss ?? 0;
  control.kill('SIGKILL');
  const wallEnd = Date.now();
  const totalCpu = cpuEnd / hz;
  agent.kill('SIGTERM');
  const code = await exited;
  await controller.close();

  const pct = (ticks: number) => (ticks / hz / ((wallEnd - wallStart) / 1000)) * 100;
  const steadyCpuPct = pct(cpuEnd - cpuStart);
  const controlCpuPct = pct(controlEnd - controlStart);
  const bundle = statSync(AGENT).size;
  const spawns = countFakeSpawns(spawnLog);
  const batches = controller.of('batch').length;
  rmSync(dir, { recursive: true, force: true });

  const mark = (ok: boolean) => (ok ? 'ok  ' : 'OVER');
  const mb = (kib: number) => (kib / 1024).toFixed(1);
  console.log(
    `agent bench: ${SECONDS} s, ${GPUS} fake GPU(s), 1 s sampling, 10 s reports, node ${process.version}${NODE_FLAGS.length ? `, flags ${NODE_FLAGS.join(' ')}` : ''}`,
  );
  console.log(`  ${mark(median(rss) <= 45 * 1024)} RSS median ${mb(median(rss))} MB   (target <= 45 MB)`);
  console.log(`  ${mark(Math.max(...rss) <= 45 * 1024)} RSS max ${mb(Math.max(...rss))} MB, at ${1 + rss.indexOf(Math.max(...rss))} s (start-up included)`);
  console.log(`       of which private (RssAnon) median ${mb(median(anon))} MB, node executable and other files (RssFile) ${mb(median(file))} MB`);
  console.log(`       control: a bare \`node -e "setInterval(() => {}, 1000)"\` has RSS ${mb(controlRss)} MB here`);
  console.log(
    `  ${mark(steadyCpuPct <= 0.3)} CPU ${steadyCpuPct.toFixed(3)} % of one core after ${WARMUP_S} s warm-up; ${totalCpu.toFixed(2)} s CPU in all, start-up included   (target <= 0.3 %)`,
  );
  console.log(`       control: the bare node process used ${controlCpuPct.toFixed(3)} % over the same window (clock tick ${(1000 / hz).toFixed(0)} ms)`);
  console.log(`  ${mark(bundle <= 300 * 1024)} bundle ${(bundle / 1024).toFixed(1)} KB   (target <= 300 KB)`);
  console.log(
    `  ${mark(spawns <= 3)} nvidia-smi children started: ${spawns} (one --help-query-gpu run for the driver's field list, one --query-gpu loop with every engine it lists, one --query-compute-apps loop; none per sample; see agent/src/nvidia-smi/read.ts and procs.ts)`,
  );
  console.log(`       batches received ${batches}, invalid frames ${controller.invalid.length}, agent exit code ${code}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
