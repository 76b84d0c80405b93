// A tiny client of the running controller's HTTP API for CLI commands (status, explain), with the admin token.
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import type { Config } from '../config/config';
import { readAdminTokenFile } from '../http/admin-credential';
import { isLoopbackHost } from '../../../protocol/loopback';
import { tlsFilesFor } from '../tls/certificate';
import { spkiPin } from '../tls/pin';
import { pinnedAgent } from './pinned-agent';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

type LocalConfig = Pick<Config, 'host' | 'port' | 'tls' | 'allowPlaintext' | 'dataDir'>;

/** The controller's URL as the CLI reaches it: --url, else http(s)://HOST:PORT (a wildcard HOST means this machine). */
export function controllerUrl(config: LocalConfig, override: string | null): string {
  if (override) return override.replace(/\/+$/, '');
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const scheme = tlsFilesFor(config) === null ? 'http' : 'https';
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

/** The admin credential the CLI sends: ADMIN_TOKEN, else the one the controller generated in DATA_DIR/admin-token. */
export function cliAdminToken(config: Pick<Config, 'adminToken' | 'dataDir'>): string | null {
  return config.adminToken ?? readAdminTokenFile(config.dataDir);
}

/**
 * The key pin of the local controller's own certificate (TLS_CERT_FILE, or the one it made in DATA_DIR), which the
 * CLI trusts when it talks to it: it may be self-signed, and 127.0.0.1 is not a name a CA-signed one carries. Null
 * when it serves plain HTTP or the file is unreadable (ordinary CA verification then).
 */
export function localPin(config: LocalConfig): string | null {
  const files = tlsFilesFor(config);
  if (files === null) return null;
  try {
    return spkiPin(readFileSync(files.certFile));
  } catch {
    return null;
  }
}

export async function getJson(base: string, path: string, adminToken: string | null, pin: string | null = null): Promise<unknown> {
  return callJson(base, 'GET', path, adminToken, pin);
}

/**
 * A state-changing call: a JSON body (always, `{}` when there is nothing to say) with the Origin of the controller
 * (the server refuses state changes whose Origin is not its own), marked as coming from the CLI for the audit log.
 */
export async function sendJson(
  base: string,
  method: 'POST' | 'DELETE',
  path: string,
  body: unknown,
  adminToken: string | null,
  pin: string | null = null,
): Promise<unknown> {
  return callJson(base, method, path, adminToken, pin, body);
}

/** `--insecure` (any command): the admin credential may go over plain http:// to a host that is not this machine. */
let insecure = false;

/** Set once by the dispatcher from `--insecure`. */
export function allowInsecureAdmin(allow: boolean): void {
  insecure = allow;
}

/**
 * Why the admin credential must not be sent to `base`, or null: over plain http:// it would cross the network in clear,
 * so only to loopback (literal 127.0.0.0/8, ::1, localhost: protocol/loopback.ts) unless `--insecure`.
 */
export function plaintextRefusal(base: string, adminToken: string | null, allowInsecure: boolean): string | null {
  if (adminToken === null || allowInsecure) return null;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' || isLoopbackHost(url.hostname)) return null;
  return `refusing to send the admin credential over plain http:// to ${url.host}: it would cross the network in clear; use the controller's https:// URL, or pass --insecure`;
}

async function callJson(
  base: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  adminToken: string | null,
  pin: string | null,
  body?: unknown,
): Promise<unknown> {
  const refusal = plaintextRefusal(base, adminToken, insecure);
  if (refusal !== null) throw new ApiError(refusal, null);
  let res;
  // The controller's own key is trusted (besides a certificate the system's CAs vouch for): see pinned-agent.ts.
  const dispatcher = pin === null || !base.startsWith('https:') ? undefined : pinnedAgent(pin);
  try {
    const send = body !== undefined;
    res = await request(base + path, {
      method,
      dispatcher,
      headers: {
        accept: 'application/json',
        ...(adminToken ? { authorization: `Bearer ${adminToken}` } : {}),
        ...(send ? { 'content-type': 'application/json', origin: new URL(base).origin, 'x-cost-optimizer-client': 'cli' } : {}),
      },
      body: send ? JSON.stringify(body) : undefined,
      // A resume waits for the provider's answer; 60 s leaves room for its retries.
      headersTimeout: send ? 60_000 : 15_000,
      bodyTimeout: 15_000,
    });
  } catch (err) {
    void dispatcher?.close();
    throw new ApiError(
      `cannot reach the controller at ${base} (${(err as Error).message}); is "cost-optimizer serve" running? (--url to point elsewhere)`,
      null,
    );
  }
  const text = await res.body.text().finally(() => void dispatcher?.close());
  if (res.statusCode === 401) {
    throw new ApiError(
      adminToken === null
        ? "the controller wants its admin token: set ADMIN_TOKEN, or run this where DATA_DIR holds the controller's admin-token file"
        : "the controller refused the admin token (ADMIN_TOKEN or DATA_DIR/admin-token differs from the controller's)",
      401,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError(`the controller answered HTTP ${res.statusCode} with a non-JSON body`, res.statusCode);
  }
  if (res.statusCode >= 400) {
    const msg = parsed && typeof parsed === 'object' && 'error' in parsed ? String((parsed as { error: unknown }).error) : `HTTP ${res.statusCode}`;
    throw new ApiError(msg, res.statusCode);
  }
  return parsed;
}

/** `--url X` / `--url=X` and `--json` parsing shared by the read-only commands; returns the rest. */
export function readFlags(args: readonly string[]): { url: string | null; json: boolean; rest: string[]; error: string | null } {
  let url: string | null = null;
  let json = false;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') json = true;
    else if (a === '--url') {
      url = args[++i] ?? null;
      if (url === null) return { url, json, rest, error: '--url needs a value' };
    } else if (a.startsWith('--url=')) url = a.slice(6);
    else if (a.startsWith('-')) return { url, json, rest, error: `unknown option ${a}` };
    else rest.push(a);
  }
  return { url, json, rest, error: null };
}
