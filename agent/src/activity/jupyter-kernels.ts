// Notebook activity: each running Jupyter server's kernels, found the way `jupyter server list` finds the servers
// (jpserver-<pid>.json, or nbserver-<pid>.json from the classic notebook, in the Jupyter runtime directories; a file
// whose pid is gone is stale and skipped) and read from the server's REST API, `GET <base_url>api/kernels` with
// `Authorization: token <token>`: each kernel's `execution_state` (busy = a cell is running) and `last_activity`
// (ISO time of its last message). JupyterHub's idle culler reads the same fields.
// Only loopback requests (or the server's Unix socket), never a child process; bounded time and size.
import { readdir, readFile, access } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { z } from 'zod';
import type { EvidenceStatus } from './evidence';

export interface NotebookActivity {
  /** Wall-clock epoch ms of the newest kernel activity; null when no kernel was read. */
  at: number | null;
  /** Some kernel was busy (executing) when read. */
  busy: boolean;
  status: EvidenceStatus;
  /** Servers answered / found. */
  servers: number;
  kernels: number;
  problem: string | null;
}

const RUNTIME_FILE = /^(jpserver|nbserver)-(\d{1,10})\.json$/;
const MAX_FILE_BYTES = 64 * 1024;
const MAX_RESPONSE_BYTES = 1024 * 1024;
const TIMEOUT_MS = 2000;

/** The fields of a runtime file the agent uses (the file has more: root_dir, version...). */
const ServerInfoSchema = z.object({
  port: z.number().int().min(1).max(65535).optional(),
  token: z.string().max(4096).optional(),
  base_url: z.string().max(1024).optional(),
  secure: z.boolean().optional(),
  sock: z.string().max(4096).optional(),
  pid: z.number().int().optional(),
});
type ServerInfo = z.infer<typeof ServerInfoSchema>;

const KernelsSchema = z
  .array(z.object({ execution_state: z.string().max(64).optional(), last_activity: z.string().max(64).optional() }).passthrough())
  .max(10_000);

const errCode = (e: unknown): string =>
  typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : e instanceof Error ? e.message : 'error';

/** Runtime files of live servers in `dirs` (missing directories are normal: no Jupyter there). */
export async function findServers(dirs: readonly string[]): Promise<{ servers: ServerInfo[]; problems: string[] }> {
  const servers: ServerInfo[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      const code = errCode(e);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') problems.push(`${dir}: ${code}`);
      continue;
    }
    for (const name of names) {
      const m = RUNTIME_FILE.exec(name);
      if (!m) continue;
      const path = join(dir, name);
      try {
        const raw = await readFile(path);
        if (raw.length > MAX_FILE_BYTES) throw new Error('file too large');
        const info = ServerInfoSchema.parse(JSON.parse(raw.toString('utf8')));
        const pid = info.pid ?? Number(m[2]);
        // `jupyter server list` skips files whose process is gone (a server killed without cleaning up).
        if (!(await alive(pid))) continue;
        const key = info.sock ? `sock:${info.sock}` : `port:${info.port}`;
        if (info.port === undefined && !info.sock) throw new Error('no port or socket');
        if (seen.has(key)) continue;
        seen.add(key);
        servers.push(info);
      } catch (e) {
        problems.push(`${path}: ${errCode(e)}`);
      }
    }
  }
  return { servers, problems };
}

async function alive(pid: number): Promise<boolean> {
  try {
    await access(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** `GET api/kernels` on one server, over loopback or its Unix socket. */
export function getKernels(info: ServerInfo): Promise<z.infer<typeof KernelsSchema>> {
  return new Promise((resolve, reject) => {
    let base = info.base_url ?? '/';
    if (!base.startsWith('/')) base = `/${base}`;
    if (!base.endsWith('/')) base += '/';
    const headers: Record<string, string> = { accept: 'application/json' };
    if (info.token) headers.authorization = `token ${info.token}`;
    const opts = {
      method: 'GET',
      path: `${base}api/kernels`,
      headers,
      timeout: TIMEOUT_MS,
      ...(info.sock ? { socketPath: info.sock } : { host: '127.0.0.1', port: info.port }),
    };
    // A server with its own certificate on loopback: the address is ours, the certificate is not worth checking.
    const req = info.secure && !info.sock ? httpsRequest({ ...opts, rejectUnauthorized: false }) : httpRequest(opts);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`HTTP ${res.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES) req.destroy(new Error('response too large'));
        else chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () => {
        try {
          resolve(KernelsSchema.parse(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        } catch (e) {
          reject(new Error(`unreadable kernel list: ${e instanceof Error ? e.message.slice(0, 200) : 'error'}`));
        }
      });
    });
    req.end();
  });
}

/** Every live server's kernels, summed up. What cannot be read is "unreadable", never activity. */
export async function readNotebookActivity(dirs: readonly string[]): Promise<NotebookActivity> {
  const { servers, problems } = await findServers(dirs);
  let at: number | null = null;
  let busy = false;
  let answered = 0;
  let kernels = 0;
  for (const s of servers) {
    try {
      const list = await getKernels(s);
      answered++;
      for (const k of list) {
        kernels++;
        if (k.execution_state === 'busy') busy = true;
        const t = k.last_activity === undefined ? NaN : Date.parse(k.last_activity);
        if (Number.isFinite(t) && (at === null || t > at)) at = t;
      }
    } catch (e) {
      problems.push(`Jupyter server on ${s.sock ?? `port ${s.port}`}: ${errCode(e)}`);
    }
  }
  const status: EvidenceStatus = answered > 0 ? 'ok' : problems.length > 0 ? 'unreadable' : 'none';
  return { at, busy, status, servers: answered, kernels, problem: problems.length ? problems.join('; ').slice(0, 500) : null };
}
