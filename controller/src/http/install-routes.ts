// GET /install.sh (with the controller's public URL and install/supervise.sh filled in), /agent.js with its sha256,
// and /runtime/* (the Node binary for GPU hosts without Node >= 18). Trust model (docs/tls.md): install.sh, agent.js
// and the hashes all come over the one channel the host used; the install line from `token create` makes that channel
// https with the controller's key pinned (curl --pinnedpubkey, install.sh --pin), so the hashes are the controller's
// own. Behind a TLS proxy the CA vouches for it instead.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type Context, Hono } from 'hono';
import { ConfigError } from '../domain/errors';
import { type Logger, silentLogger } from '../log';
import { type RuntimeSourceOptions, ServedRuntime } from './install-runtime';
import { ROUTES } from '../http-shared/route-table';

export interface InstallRoutesOptions {
  /**
   * The URL GPU hosts reach the controller at (PUBLIC_URL), e.g. `https://co.example.com`; it is written into
   * install.sh. When null, it is taken from each request (the URL the host just used to fetch install.sh).
   */
  publicUrl?: string | null;
  /** Take the scheme and host from X-Forwarded-Proto / X-Forwarded-Host: only behind a proxy that sets them. */
  trustProxy?: boolean;
  /** Default: `install/install.sh` in the package. */
  installScriptPath?: string;
  /** The supervisor program inlined into install.sh; default: `supervise.sh` beside the installer. */
  superviseScriptPath?: string;
  /** Default: `dist/agent.js` in the package (built by `npm run build`). */
  agentPath?: string;
  /** The Node runtime served under /runtime/; null serves none. Default: this process's own node binary. */
  runtime?: RuntimeSourceOptions | null;
  logger?: Logger;
}

const PLACEHOLDER = "'@@CONTROLLER_URL@@'";
const SUPERVISE_PLACEHOLDER = '\n@@SUPERVISE_SH@@\n';
const SUPERVISE_END = 'SUPERVISE_SH_EOF';

/**
 * install.sh with install/supervise.sh inlined (without its first two lines: shebang and shellcheck directive), so
 * that one download carries both. The supervisor goes into a quoted here-document: nothing in it is expanded.
 */
export function inlineSupervisor(installer: string, supervise: string, where = 'install.sh'): string {
  if (!installer.includes(SUPERVISE_PLACEHOLDER)) throw new Error(`${where} has no @@SUPERVISE_SH@@ line`);
  const body = supervise.split('\n').slice(2).join('\n').replace(/\n+$/, '');
  if (body.split('\n').includes(SUPERVISE_END)) throw new Error(`the supervisor holds a line ${SUPERVISE_END}, which would end its here-document`);
  return installer.replace(SUPERVISE_PLACEHOLDER, () => `\n${body}\n`);
}
// The characters install.sh accepts in a controller URL: nothing that needs quoting in sh or a unit file.
const SAFE_URL = /^https?:\/\/[A-Za-z0-9._~:/@%+=[\]-]+$/;
const HOST_HEADER = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** Validates a configured public URL (http or https, no query, fragment or credentials); returns it without a trailing slash. */
export function parsePublicUrl(raw: string, variable = 'PUBLIC_URL'): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new ConfigError(variable, `is not a valid URL: "${raw}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(variable, 'must be an http:// or https:// URL');
  if (u.search !== '' || u.hash !== '' || u.username !== '' || u.password !== '') {
    throw new ConfigError(variable, 'must not hold a query, a fragment or credentials');
  }
  const out = (u.origin + u.pathname).replace(/\/+$/, '');
  if (!SAFE_URL.test(out)) throw new ConfigError(variable, `holds characters install.sh cannot carry: "${out}"`);
  return out;
}

/** The base URL a request reached us at, or null when its Host header is not a plain host[:port]. */
export function requestBaseUrl(c: Context, trustProxy: boolean): string | null {
  const first = (name: string) => c.req.header(name)?.split(',')[0]?.trim() || undefined;
  const url = new URL(c.req.url);
  let proto = url.protocol.replace(':', '');
  let host = c.req.header('host') ?? url.host;
  if (trustProxy) {
    const fp = first('x-forwarded-proto')?.toLowerCase();
    if (fp === 'http' || fp === 'https') proto = fp;
    host = first('x-forwarded-host') ?? host;
  }
  if (!HOST_HEADER.test(host)) return null;
  const base = `${proto}://${host}`;
  return SAFE_URL.test(base) ? base : null;
}

/** The package root: the nearest directory above this file holding install/install.sh (source tree or dist/). */
export function findPackageRoot(start = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'install', 'install.sh'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find install/install.sh above ${start}`);
    dir = up;
  }
}

const sha256 = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');
const noStore = { 'Cache-Control': 'no-store' };

function fileResponse(path: string, headers: Record<string, string>): Response {
  const body = Readable.toWeb(createReadStream(path)) as unknown as ReadableStream;
  return new Response(body, { headers: { 'Content-Type': 'application/octet-stream', ...noStore, ...headers } });
}

/** The install routes as a Hono sub-app, mounted at the root: `app.route('/', installRoutes(opts))`. */
export function installRoutes(opts: InstallRoutesOptions = {}): Hono {
  const logger = opts.logger ?? silentLogger;
  const publicUrl = opts.publicUrl == null ? null : parsePublicUrl(opts.publicUrl);
  const trustProxy = opts.trustProxy ?? false;
  const needRoot = opts.installScriptPath === undefined || opts.agentPath === undefined;
  const root = needRoot ? findPackageRoot() : '';
  const scriptPath = opts.installScriptPath ?? join(root, 'install', 'install.sh');
  const agentPath = opts.agentPath ?? join(root, 'dist', 'agent.js');
  // Read once: a missing or wrong installer stops start-up instead of failing on a host later.
  const supervisePath = opts.superviseScriptPath ?? join(dirname(scriptPath), 'supervise.sh');
  const installer = readFileSync(scriptPath, 'utf8');
  if (!installer.includes(PLACEHOLDER)) throw new Error(`${scriptPath} has no ${PLACEHOLDER} placeholder`);
  const template = inlineSupervisor(installer, readFileSync(supervisePath, 'utf8'), scriptPath);
  const runtime = opts.runtime === null ? null : new ServedRuntime({ logger, ...opts.runtime });

  // The agent is read on each request so that a rebuild is served at once, body and hash from the same bytes.
  const readAgent = async (c: Context): Promise<Buffer | Response> => {
    try {
      return await readFile(agentPath);
    } catch (err) {
      logger.error(`install: cannot read the agent bundle ${agentPath}`, err);
      return c.text('the agent bundle is not built on the controller: run `npm run build` there\n', 503, noStore);
    }
  };
  const withRuntime = async (c: Context, serve: (rt: ServedRuntime) => Promise<Response>): Promise<Response> => {
    if (runtime === null) return c.text('this controller serves no Node runtime: install Node >= 18 on the host\n', 404, noStore);
    try {
      return await serve(runtime);
    } catch (err) {
      logger.error(`install: cannot serve the Node runtime ${runtime.path}`, err);
      return c.text('the Node runtime is not available on the controller\n', 500, noStore);
    }
  };

  const app = new Hono();
  app.get(ROUTES.installScript.path, (c) => {
    const base = publicUrl ?? requestBaseUrl(c, trustProxy);
    if (base === null) return c.text('bad Host header\n', 400, noStore);
    // A function replacement: `$&`-style patterns in the URL must not be interpreted.
    const script = template.replace(PLACEHOLDER, () => `'${base}'`);
    return c.body(script, 200, { 'Content-Type': 'text/plain; charset=utf-8', ...noStore });
  });
  app.get(ROUTES.agentBundle.path, async (c) => {
    const agent = await readAgent(c);
    if (agent instanceof Response) return agent;
    return c.body(new Uint8Array(agent), 200, {
      'Content-Type': 'application/javascript; charset=utf-8',
      'X-Checksum-Sha256': sha256(agent),
      ...noStore,
    });
  });
  app.get(ROUTES.agentBundleSum.path, async (c) => {
    const agent = await readAgent(c);
    if (agent instanceof Response) return agent;
    return c.text(`${sha256(agent)}  agent.js\n`, 200, noStore);
  });
  app.get(ROUTES.runtimeInfo.path, (c) => withRuntime(c, async (rt) => c.json(await rt.info(), 200, noStore)));
  app.get(ROUTES.runtimeNodeSum.path, (c) => withRuntime(c, async (rt) => c.text(`${(await rt.info()).sha256}  node\n`, 200, noStore)));
  app.get(ROUTES.runtimeNode.path, (c) =>
    withRuntime(c, async (rt) => {
      const info = await rt.info();
      return fileResponse(rt.path, { 'Content-Length': String(info.size), 'X-Checksum-Sha256': info.sha256 });
    }),
  );
  // The gzip copy is about 37 % of the binary; the header names the hash of the binary once decompressed.
  app.get(ROUTES.runtimeNodeGz.path, (c) =>
    withRuntime(c, async (rt) => {
      const [info, path] = await Promise.all([rt.info(), rt.gzipPath()]);
      const { size } = await stat(path);
      return fileResponse(path, {
        'Content-Type': 'application/gzip',
        'Content-Length': String(size),
        'X-Uncompressed-Sha256': info.sha256,
      });
    }),
  );
  return app;
}
