// npm run bench:ssh: how long one SSH fallback sweep of N hosts takes, with connection reuse (cold, then warm with
// the masters up) and without it, against the target in docs/architecture.md of 500 hosts within one 60 s cycle.
//
// The "hosts" are instance records pointing at one throwaway sshd on loopback that listens on several ports; every
// record gets its own control master, as distinct hosts would. sshd runs with MaxStartups 1000: its default 10:30:100
// starts refusing concurrent unauthenticated connections beyond 10 and would measure sshd, not the poller. The remote
// nvidia-smi is a small sh script printing a real H100 capture (its engine fields and row) (the shared node fake costs ~50 ms of CPU per
// start, which on a real fleet is spent on the GPU hosts, not here). Both ends share this machine's cores, so the
// figures are pessimistic for the controller. Env: BENCH_SSH_HOSTS (500), BENCH_SSH_CONCURRENCY (48),
// BENCH_SSH_PORTS (10), BENCH_SSH_TIMEOUT (15 s, SSH_TIMEOUT_SECONDS's default).
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SshPoller, type SshResult, type SshTarget } from '../controller/src/ssh';
import { loadCaptureSections } from '../test/fixtures/captures';
import { fakeBinDir, generateKeyPair, startSshd } from '../controller/src/fake-world/sshd';

const N = Number(process.env.BENCH_SSH_HOSTS ?? 500);
const CONCURRENCY = Number(process.env.BENCH_SSH_CONCURRENCY ?? 48);
const PORTS = Number(process.env.BENCH_SSH_PORTS ?? 10);
const TIMEOUT = Number(process.env.BENCH_SSH_TIMEOUT ?? 15);
const TARGET_MS = 60_000;

/** utime+stime and cutime+cstime of a process in seconds (proc(5) fields 14-17; clock ticks of 1/100 s). */
function procCpu(pid: number | 'self'): { own: number; reaped: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return { own: (f[11]! + f[12]!) / 100, reaped: (f[13]! + f[14]!) / 100 };
  } catch {
    return { own: 0, reaped: 0 };
  }
}

interface ProcRow {
  pid: number;
  ppid: number;
  cmdline: string;
}

function processes(): ProcRow[] {
  const out: ProcRow[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.push({ pid: Number(e), ppid, cmdline: readFileSync(`/proc/${e}/cmdline`, 'utf8') });
    } catch {
      // ended while we looked
    }
  }
  return out;
}

/** CPU of the live control masters (daemonized: init reaps them, so nobody else accounts for them). */
function mastersCpu(rows: ProcRow[], controlDirPrefix: string): number {
  return rows.filter((r) => r.cmdline.startsWith(`ssh: ${controlDirPrefix}`)).reduce((sum, r) => sum + procCpu(r.pid).own, 0);
}

/** CPU of sshd and everything under it, live or already reaped: the simulated remote side. */
function treeCpu(rows: ProcRow[], root: number): number {
  const kids = new Map<number, number[]>();
  for (const r of rows) kids.set(r.ppid, [...(kids.get(r.ppid) ?? []), r.pid]);
  let sum = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    const c = procCpu(pid);
    sum += c.own + c.reaped;
    stack.push(...(kids.get(pid) ?? []));
  }
  return sum;
}

interface Cpu {
  node: number;
  clients: number;
  masters: number;
  sshd: number;
}

function cpuNow(sshdPid: number, controlDirPrefix: string): Cpu {
  const self = procCpu('self');
  const rows = processes();
  return { node: self.own, clients: self.reaped, masters: mastersCpu(rows, controlDirPrefix), sshd: treeCpu(rows, sshdPid) };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function measure(label: string, poller: SshPoller, targets: SshTarget[], cpu: () => Cpu): Promise<string> {
  const cpu0 = cpu();
  const t0 = performance.now();
  const rs: SshResult[] = await poller.sweep(targets);
  const ms = performance.now() - t0;
  const cpu1 = cpu();
  const d = rs.map((r) => r.durationMs).sort((a, b) => a - b);
  const failures = new Map<string, number>();
  const examples = new Map<string, string>();
  for (const r of rs) {
    if (r.ok) continue;
    failures.set(r.code, (failures.get(r.code) ?? 0) + 1);
    if (!examples.has(r.code)) examples.set(r.code, r.message);
  }
  for (const [code, message] of examples) console.log(`  e.g. ${code}: ${message}`);
  const ok = rs.filter((r) => r.ok).length;
  const failText = failures.size === 0 ? '' : ` failed: ${[...failures].map(([k, n]) => `${n} ${k}`).join(', ')}`;
  const verdict = ms <= TARGET_MS && ok === rs.length ? 'within' : 'MISSES';
  return (
    `${label.padEnd(26)} sweep ${(ms / 1000).toFixed(2).padStart(6)} s  per host p50 ${String(pct(d, 50)).padStart(5)} ms  p99 ${String(pct(d, 99)).padStart(5)} ms  ` +
    `ok ${ok}/${rs.length}${failText}  (${verdict} the 60 s target)\n` +
    `${''.padEnd(26)} cpu s: controller side ${(cpu1.node - cpu0.node + cpu1.clients - cpu0.clients + cpu1.masters - cpu0.masters).toFixed(1)} ` +
    `(node ${(cpu1.node - cpu0.node).toFixed(1)}, ssh clients ${(cpu1.clients - cpu0.clients).toFixed(1)}, masters ${(cpu1.masters - cpu0.masters).toFixed(1)}), ` +
    `simulated hosts (sshd, shell, fake) ${(cpu1.sshd - cpu0.sshd).toFixed(1)}; load average ${loadavg()[0]!.toFixed(1)}`
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ssh-'));
  // The remote command is the agent's discovery and query in one sh script: the fake answers --help-query-gpu with the
  // capture's engine fields and the query with the capture's row for them (the wider query, all engines).
  const idle = loadCaptureSections().find((s) => s.file.includes('h100-80gb') && s.phase === 'idle')!;
  const listed = idle.fields.map((f) => `'"${f}"'`).join(' ');
  const fake = join(dir, 'nvidia-smi-sh');
  writeFileSync(fake, `#!/bin/sh\nif [ "$1" = --help-query-gpu ]; then printf '%s\\n' ${listed}; exit 0; fi\nprintf '%s\\n' '${idle.wideLine}'\n`);
  chmodSync(fake, 0o755);
  const key = await generateKeyPair(join(dir, 'user_key'));
  const sshdDir = join(dir, 'sshd');
  mkdirSync(sshdDir);
  const sshd = await startSshd({ dir: sshdDir, authorizedKeys: [key.publicKey], binDir: fakeBinDir(dir, fake), ports: PORTS, maxStartups: '1000' });
  const targets: SshTarget[] = Array.from({ length: N }, (_, i) => ({ instanceId: `bench:${i}`, host: '127.0.0.1', port: sshd.ports[i % sshd.ports.length]! }));
  const config = (dataDir: string) => ({ user: sshd.user, keyPath: key.privateKey, port: 22, timeoutSec: TIMEOUT, concurrency: CONCURRENCY, dataDir });
  console.log(
    `bench:ssh  ${N} hosts (instance records over ${sshd.ports.length} ports of one loopback sshd, MaxStartups 1000), ` +
      `concurrency ${CONCURRENCY}, hard timeout ${TIMEOUT} s, ${cpus().length} cores, ${process.version}`,
  );
  console.log(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (other work on this machine shares the cores)`,
  );
  // Masters must outlive a whole sweep plus the next: on an overloaded machine a cold sweep can take minutes.
  const reuse = new SshPoller({ config: config(join(dir, 'reuse')), controlPersistSec: 900 });
  const noReuse = new SshPoller({ config: config(join(dir, 'no-reuse')), reuse: false });
  const controlDir = dirname(reuse.controlPathFor(targets[0]!)!);
  const cpu = () => cpuNow(sshd.pid, controlDir);
  try {
    console.log(await measure('reuse, cold (new masters)', reuse, targets, cpu));
    const masters = processes().filter((r) => r.cmdline.startsWith(`ssh: ${controlDir}`)).length;
    console.log(`${''.padEnd(26)} control masters running: ${masters}`);
    console.log(await measure('reuse, warm (masters up)', reuse, targets, cpu));
    console.log(await measure('no reuse (ControlMaster=no)', noReuse, targets, cpu));
  } finally {
    const c0 = performance.now();
    await reuse.close();
    console.log(
      `closing ${N} masters (ssh -O exit): ${((performance.now() - c0) / 1000).toFixed(2)} s; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    await noReuse.close();
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
