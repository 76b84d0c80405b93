// A real HTTP server for installer tests: the controller's installRoutes on a free port, a fake agent bundle, a
// switch that tampers agent.js, and /test/hello where the fake agent reports that it started (and with which settings).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { installRoutes } from '../../controller/src/http/install-routes';
import type { RuntimeSourceOptions } from '../../controller/src/http/install-runtime';

/** What the fake agent sends when it starts. */
export interface Hello {
  version: string;
  pid: number;
  url: string;
  checkpoint: string | null;
  execPath: string;
  nodeVersion: string;
  /** The Authorization header it sent. */
  auth: string | null;
}

/**
 * A stand-in for dist/agent.js, runnable by Node 18+: `--help` prints a usage line; otherwise it posts a hello with
 * the settings it got from the environment (as the real agent reads them) and idles until SIGTERM.
 */
export function fakeAgentSource(version: string): string {
  return `#!/usr/bin/env node
// Fake Cost Optimizer agent for installer tests (version ${version}).
'use strict';
const VERSION = ${JSON.stringify(version)};
if (process.argv.includes('--help')) {
  process.stdout.write('usage: cost-optimizer-agent (fake ' + VERSION + ')\\n');
  process.exit(0);
}
const http = require('http');
const url = process.env.CONTROLLER_URL || '';
const u = new URL(url.replace(/^ws/, 'http'));
const body = JSON.stringify({
  version: VERSION, pid: process.pid, url, checkpoint: process.env.CHECKPOINT_CMD === undefined ? null : process.env.CHECKPOINT_CMD,
  execPath: process.execPath, nodeVersion: process.version,
});
const req = http.request({ host: u.hostname, port: u.port, path: '/test/hello', method: 'POST',
  headers: { authorization: 'Bearer ' + process.env.AGENT_TOKEN, 'content-type': 'application/json' } }, (res) => res.resume());
req.on('error', (e) => console.error('fake agent: hello failed: ' + e.message));
req.end(body);
setInterval(() => {}, 1 << 30);
process.on('SIGTERM', () => process.exit(0));
`;
}

export interface InstallServer {
  /** http://127.0.0.1:<port> */
  url: string;
  hellos: Hello[];
  /** Replaces the agent bundle the routes serve (a new build). */
  setAgent(source: string): void;
  /** When on, /agent.js returns altered bytes while /agent.js.sha256 still names the real bundle. */
  tamperAgent(on: boolean): void;
  /** When on, /runtime/node(.gz) return altered bytes while /runtime/node.sha256 names the real binary. */
  tamperRuntime(on: boolean): void;
  close(): Promise<void>;
}

export async function startInstallServer(opts: { agentSource: string; runtime?: RuntimeSourceOptions | null }): Promise<InstallServer> {
  const dir = mkdtempSync(join(tmpdir(), 'co-install-srv-'));
  const agentPath = join(dir, 'agent.js');
  writeFileSync(agentPath, opts.agentSource);
  const hellos: Hello[] = [];
  let tamperAgent = false;
  let tamperRuntime = false;

  const app = new Hono();
  app.post('/test/hello', async (c) => {
    const body = (await c.req.json()) as Omit<Hello, 'auth'>;
    hellos.push({ ...body, auth: c.req.header('authorization') ?? null });
    return c.text('ok');
  });
  app.use('/agent.js', async (c, next) => {
    if (!tamperAgent) return next();
    return c.body(opts.agentSource + '\nrequire("child_process").execSync("echo owned");\n', 200);
  });
  app.use('/runtime/node*', async (c, next) => {
    if (!tamperRuntime || c.req.path.endsWith('.sha256')) return next();
    const { gzipSync } = await import('node:zlib');
    const evil = Buffer.from('#!/bin/sh\necho v20.0.0\n');
    return c.body(new Uint8Array(c.req.path.endsWith('.gz') ? gzipSync(evil) : evil), 200);
  });
  // The runtime's gzip copy goes in this server's own directory, removed on close.
  const runtime = opts.runtime === null ? null : { cacheDir: join(dir, 'cache'), ...opts.runtime };
  app.route('/', installRoutes({ agentPath, runtime }));

  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hellos,
    setAgent: (source) => writeFileSync(agentPath, source),
    tamperAgent: (on) => {
      tamperAgent = on;
    },
    tamperRuntime: (on) => {
      tamperRuntime = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        rmSync(dir, { recursive: true, force: true });
      }),
  };
}
