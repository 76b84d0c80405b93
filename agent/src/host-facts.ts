// What the agent tells the controller about its host in `hello`: informational (shown in the dashboard), never trusted.
// The OS comes from systeminformation's osinfo submodule only (the package's main entry bundles every collector);
// CPU and memory come from node:os, which reads the same /proc files without spawning lscpu (systeminformation's cpu()).
import * as os from 'node:os';
import type { HostFacts } from '../../protocol';
import { type Logger, errorMessage } from '../../protocol/log';

/** The subset of systeminformation's OsData we use. */
export interface OsFacts {
  hostname: string;
  distro: string;
  release: string;
  kernel: string;
  arch: string;
}

export interface HostFactsOptions {
  logger: Logger;
  /** Injectable for tests; default: systeminformation osInfo(). */
  osInfo?: () => Promise<OsFacts>;
  timeoutMs?: number;
}

const cut = (s: string, n: number) => s.slice(0, n);

async function systeminformationOsInfo(): Promise<OsFacts> {
  // Loaded lazily: the module is only needed once, at start-up.
  const { osInfo } = await import('systeminformation/lib/osinfo');
  return osInfo();
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Node's own view, used when systeminformation fails. */
export function nodeOsFacts(): OsFacts {
  return { hostname: os.hostname(), distro: os.type(), release: '', kernel: os.release(), arch: os.arch() };
}

export async function collectHostFacts(opts: HostFactsOptions): Promise<HostFacts> {
  let facts: OsFacts;
  try {
    facts = await withTimeout((opts.osInfo ?? systeminformationOsInfo)(), opts.timeoutMs ?? 5000);
  } catch (e) {
    opts.logger.warn(`host facts from systeminformation failed (${errorMessage(e)}); using node:os`);
    facts = nodeOsFacts();
  }
  const fallback = nodeOsFacts();
  const str = (v: unknown, def: string) => (typeof v === 'string' && v.trim() !== '' && v !== 'unknown' ? v.trim() : def);
  const distro = str(facts.distro, fallback.distro);
  const release = str(facts.release, '');
  const cpus = os.cpus();
  return {
    hostname: cut(str(facts.hostname, fallback.hostname), 256),
    os: cut(release ? `${distro} ${release}` : distro, 256),
    kernel: cut(str(facts.kernel, fallback.kernel), 256),
    arch: cut(str(facts.arch, fallback.arch), 64),
    cpuModel: cut(cpus[0]?.model?.trim() || 'unknown', 256),
    cpuCores: Math.min(100_000, cpus.length),
    memTotalMiB: Math.round(os.totalmem() / 1_048_576),
    nodeVersion: cut(process.version, 64),
  };
}
