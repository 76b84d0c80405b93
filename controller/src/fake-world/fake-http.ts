// Shared core of the provider fakes: a node:http server that records every request and injects faults on demand.
//
// Each provider fake (vast-fake.ts, tensordock-fake-v2.ts, tensordock-fake-v0.ts, gcp-fake.ts) supplies a handler that
// speaks the provider's wire format (docs/providers.md); this file gives them all the same controls:
//   fake.requests            every request, in order: {method, path, query, rawQuery, headers, body, json, form, at}
//   fake.injectFault(rule)   {kind, method?, path? (string = exact path, RegExp = test), times? (default 1)}
//   fake.clearFaults(), fake.clearRequests(), await fake.close()
// Fault kinds:
//   '429-text' '429-json' '500' '502' '503'   answered instead of the real handler (the action does NOT happen)
//   'hang'                                     never answers (client must time out); the action does NOT happen
//   'reset'                                    destroys the socket before answering; the action does NOT happen
//   'garbled'                                  200 with a body that is not JSON; the action does NOT happen
//   'error-200'                                200 with the provider's in-body error (TensorDock); no action
//   'hang-after' 'reset-after' '500-after'     the real handler runs (the action DOES happen), then the answer is lost:
//                                              the "outcome unknown" cases a client must resolve by re-reading
//   'operation-error'                          GCP only: the call is accepted but its operation ends DONE with errors
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path without the query string, exactly as sent (trailing slash kept). */
  path: string;
  query: Record<string, string>;
  rawQuery: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: string;
  /** Parsed body when it is JSON, else undefined. */
  json: unknown;
  /** Parsed body when it is form-encoded, else undefined. */
  form: Record<string, string> | undefined;
  /** Epoch ms when it arrived. */
  at: number;
}

export type FaultKind =
  '429-text' | '429-json' | '500' | '502' | '503' | 'hang' | 'reset' | 'garbled' | 'error-200' | 'hang-after' | 'reset-after' | '500-after' | 'operation-error';

export interface FaultRule {
  kind: FaultKind;
  method?: string;
  path?: string | RegExp;
  /** How many matching requests get the fault; default 1. */
  times?: number;
}

export interface FakeResponse {
  status: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

export interface HandlerContext {
  /** The fault picked for this request, when it is one the handler itself implements (e.g. 'operation-error'). */
  fault: FaultKind | null;
}

export type FakeHandler = (req: RecordedRequest, ctx: HandlerContext) => FakeResponse | Promise<FakeResponse>;

export interface FakeServerOptions {
  handler: FakeHandler;
  /** The provider's body for a fault kind (e.g. Vast's JSON 429); undefined = a generic one. */
  faultResponse?: (kind: FaultKind) => FakeResponse | undefined;
  /** Fault kinds the handler implements itself (passed through in ctx.fault). */
  handlerFaults?: readonly FaultKind[];
  host?: string;
  /** Delay before each answer, to simulate a far-away API (demo, simulator). */
  latencyMs?: number;
}

export interface FakeServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  clearRequests(): void;
  close(): Promise<void>;
}

interface ActiveRule extends FaultRule {
  left: number;
}

const GENERIC: Partial<Record<FaultKind, FakeResponse>> = {
  '429-text': { status: 429, text: 'API requests too frequent, slow down', headers: { 'content-type': 'text/plain' } },
  '429-json': { status: 429, json: { detail: 'Too many requests' } },
  '500': { status: 500, json: { error: 'internal_error', msg: 'Internal Server Error' } },
  '502': { status: 502, text: '<html><body>502 Bad Gateway</body></html>', headers: { 'content-type': 'text/html' } },
  '503': { status: 503, text: 'Service Unavailable', headers: { 'content-type': 'text/plain' } },
  garbled: { status: 200, text: '{"instances": [{"id": 1, "actual_st', headers: { 'content-type': 'application/json' } },
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function record(req: IncomingMessage, body: string): RecordedRequest {
  const u = new URL(req.url ?? '/', 'http://fake');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  let json: unknown;
  try {
    json = body === '' ? undefined : JSON.parse(body);
  } catch {
    json = undefined;
  }
  const isForm = (headers['content-type'] ?? '').includes('application/x-www-form-urlencoded');
  return {
    method: req.method ?? 'GET',
    path: u.pathname,
    query: Object.fromEntries(u.searchParams.entries()),
    rawQuery: u.search.replace(/^\?/, ''),
    headers,
    body,
    json,
    form: isForm ? Object.fromEntries(new URLSearchParams(body).entries()) : undefined,
    at: Date.now(),
  };
}

function send(res: ServerResponse, r: FakeResponse): void {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  let payload = '';
  if (r.text !== undefined) payload = r.text;
  else if (r.json !== undefined) {
    payload = JSON.stringify(r.json);
    headers['content-type'] ??= 'application/json';
  }
  res.writeHead(r.status, headers);
  res.end(payload);
}

export async function startFakeServer(opts: FakeServerOptions): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  let rules: ActiveRule[] = [];
  const handlerFaults = new Set(opts.handlerFaults ?? []);

  const pickFault = (r: RecordedRequest): FaultKind | null => {
    const rule = rules.find(
      (x) =>
        x.left > 0 &&
        (x.method === undefined || x.method.toUpperCase() === r.method) &&
        (x.path === undefined || (typeof x.path === 'string' ? x.path === r.path : x.path.test(r.path))),
    );
    if (!rule) return null;
    rule.left--;
    return rule.kind;
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const r = record(req, body);
      requests.push(r);
      if (opts.latencyMs) await new Promise((ok) => setTimeout(ok, opts.latencyMs));
      const fault = pickFault(r);
      if (fault === 'hang') return; // never answer; close() destroys the socket
      if (fault === 'reset') return void req.socket.destroy();
      if (fault !== null && !fault.endsWith('-after') && !handlerFaults.has(fault)) {
        return send(res, opts.faultResponse?.(fault) ?? GENERIC[fault] ?? { status: 500, text: `fault ${fault}` });
      }
      const answer = await opts.handler(r, { fault: fault !== null && handlerFaults.has(fault) ? fault : null });
      if (fault === 'hang-after') return;
      if (fault === 'reset-after') return void req.socket.destroy();
      if (fault === '500-after') return send(res, opts.faultResponse?.('500') ?? GENERIC['500']!);
      send(res, answer);
    })().catch((err: unknown) => {
      // A bug in a fake must show up as a 500 the test can see, never as a hung request.
      if (!res.headersSent) send(res, { status: 500, text: `fake crashed: ${err instanceof Error ? err.stack : String(err)}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, opts.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    requests,
    injectFault(rule) {
      rules.push({ ...rule, left: rule.times ?? 1 });
    },
    clearFaults() {
      rules = [];
    },
    clearRequests() {
      requests.length = 0;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Bearer token from an Authorization header, or null. */
export function bearerOf(req: RecordedRequest): string | null {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers['authorization'] ?? '');
  return m ? m[1]!.trim() : null;
}

/** Lazily applied state changes ("stopping" now, "stopped" in N ms), settled on every request. */
export class Transitions {
  private pending: { at: number; apply: () => void }[] = [];
  constructor(private readonly now: () => number) {}
  /** Runs `apply` after `ms`; with ms <= 0 it runs right away. */
  later(ms: number, apply: () => void): void {
    if (ms <= 0) apply();
    else this.pending.push({ at: this.now() + ms, apply });
  }
  settle(): void {
    const now = this.now();
    const due = this.pending.filter((p) => p.at <= now).sort((a, b) => a.at - b.at);
    this.pending = this.pending.filter((p) => p.at > now);
    for (const p of due) p.apply();
  }
  /** Time until everything pending has happened (0 when nothing is). */
  get idleInMs(): number {
    return Math.max(0, ...this.pending.map((p) => p.at - this.now()));
  }
}
