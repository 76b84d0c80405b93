// What the agent tells the controller about its host in `hello`: informational (shown in the dashboard), never trusted.
// Everything comes from node:os and /etc/os-release, read in-process: no shell command runs for a display string
// (systeminformation's osInfo ran `hostname -f`, `cat /etc/*-release` and more, as root, at every start).
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';
import type { HostFacts } from '../../protocol';
import { type Logger, errorMessage } from '../../protocol/log';

export interface OsFacts {
  hostname: string;
  distro: string;
  release: string;
  kernel: string;
  arch: string;
}

export interface HostFactsOptions {
  logger: Logger;
  /** Injectable for tests; default: the text of /etc/os-release (else /usr/lib/os-release). */
  osRelease?: () => Promise<string>;
}

const cut = (s: string, n: number) => s.slice(0, n);

/** os-release(5): the file in /etc, else the vendor one in /usr/lib. */
async function readOsRelease(): Promise<string> {
  try {
    return await readFile('/etc/os-release', 'utf8');
  } catch {
    return readFile('/usr/lib/os-release', 'utf8');
  }
}

/** KEY=value lines of os-release(5); values may be quoted with " or ' and use backslash escapes. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!.trim();
    const q = v[0];
    if ((q === '"' || q === "'") && v.endsWith(q) && v.length >= 2) v = v.slice(1, -1);
    out[m[1]!] = v.replace(/\\(["'$`\\])/g, '$1');
  }
  return out;
}

/** Node's own view: what is shown when os-release is missing or unreadable. */
export function nodeOsFacts(): OsFacts {
  return { hostname: os.hostname(), distro: os.type(), release: '', kernel: os.release(), arch: os.arch() };
}

async function osFacts(opts: HostFactsOptions): Promise<OsFacts> {
  const facts = nodeOsFacts();
  let text: string;
  try {
    text = await (opts.osRelease ?? readOsRelease)();
  } catch (e) {
    opts.logger.warn(`cannot read /etc/os-release (${errorMessage(e)}); showing the OS as ${facts.distro}`);
    return facts;
  }
  const r = parseOsRelease(text);
  // "22.04.4 LTS (Jammy Jellyfish)" -> "22.04.4 LTS": the code name adds length, not information.
  const version = (r.VERSION ?? '').replace(/\s*\(.*\)\s*$/, '').trim() || (r.VERSION_ID ?? '');
  return { ...facts, distro: r.NAME || r.ID || facts.distro, release: version };
}

export async function collectHostFacts(opts: HostFactsOptions): Promise<HostFacts> {
  const facts = await osFacts(opts);
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
