// Tests of the install routes: the URL written into install.sh, agent.js and its sha256, the Node runtime routes.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../domain/errors';
import { findPackageRoot, installRoutes, parsePublicUrl } from './install-routes';
import { currentLibc } from './install-runtime';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const dir = mkdtempSync(join(tmpdir(), 'co-install-routes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const agentPath = join(dir, 'agent.js');
writeFileSync(agentPath, '#!/usr/bin/env node\nconsole.log("agent");\n');
// A small stand-in for the node binary, so the tests hash and gzip kilobytes, not 100 MB.
const runtimePath = join(dir, 'node');
const runtimeBytes = Buffer.concat([Buffer.from('\x7fELF'), Buffer.alloc(50_000, 7)]);
writeFileSync(runtimePath, runtimeBytes, { mode: 0o755 });
const platform = { os: 'linux', arch: 'x64', libc: 'glibc' as const, version: 'v20.1.0' };

const app = (opts: Parameters<typeof installRoutes>[0] = {}) =>
  installRoutes({ agentPath, runtime: { path: runtimePath, platform, cacheDir: join(dir, 'cache') }, ...opts });
const filledUrl = (script: string) => /^CONTROLLER_URL_DEFAULT='(.*)'$/m.exec(script)?.[1];

describe('GET /install.sh', () => {
  it('fills in the configured public URL', async () => {
    const res = await app({ publicUrl: 'https://co.example.com/' }).request('http://10.0.0.5:8080/install.sh');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const script = await res.text();
    expect(filledUrl(script)).toBe('https://co.example.com');
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).not.toContain("'@@CONTROLLER_URL@@'");
    expect(script.trimEnd().endsWith('main "$@"')).toBe(true);
  });

  it('without PUBLIC_URL, uses the URL the request reached', async () => {
    const res = await app().request('http://gpu-ctl.internal:8080/install.sh');
    expect(filledUrl(await res.text())).toBe('http://gpu-ctl.internal:8080');
  });

  it('uses X-Forwarded-Proto/Host only when told to trust the proxy', async () => {
    const headers = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'co.example.com' };
    const trusted = await app({ trustProxy: true }).request('http://127.0.0.1:8080/install.sh', { headers });
    expect(filledUrl(await trusted.text())).toBe('https://co.example.com');
    const untrusted = await app().request('http://127.0.0.1:8080/install.sh', { headers });
    expect(filledUrl(await untrusted.text())).toBe('http://127.0.0.1:8080');
  });

  it('refuses a Host header that is not a plain host[:port] (it would be written into a shell script)', async () => {
    const ok = await app().request('http://127.0.0.1:8080/install.sh', { headers: { Host: 'co.example.com:9000' } });
    expect(filledUrl(await ok.text())).toBe('http://co.example.com:9000');
    for (const host of ["evil';rm -rf /;'", 'a b', 'x$(id)']) {
      const res = await app().request('http://127.0.0.1:8080/install.sh', { headers: { Host: host } });
      expect(res.status).toBe(400);
    }
    const forwarded = await app({ trustProxy: true }).request('http://127.0.0.1/install.sh', { headers: { 'X-Forwarded-Host': "a'b" } });
    expect(forwarded.status).toBe(400);
  });
});

describe('GET /agent.js', () => {
  it('serves the bundle with its sha256 in X-Checksum-Sha256 and at /agent.js.sha256', async () => {
    const a = app();
    const res = await a.request('/agent.js');
    expect(res.status).toBe(200);
    const body = new Uint8Array(await res.arrayBuffer());
    expect(res.headers.get('x-checksum-sha256')).toBe(sha(body));
    expect(Buffer.from(body).toString()).toBe('#!/usr/bin/env node\nconsole.log("agent");\n');
    expect(await (await a.request('/agent.js.sha256')).text()).toBe(`${sha(body)}  agent.js\n`);
  });

  it('serves a rebuilt bundle at once, body and hash from the same bytes', async () => {
    const path = join(dir, 'agent-rebuilt.js');
    writeFileSync(path, 'one');
    const a = app({ agentPath: path });
    writeFileSync(path, 'two');
    const res = await a.request('/agent.js');
    expect(await res.text()).toBe('two');
    expect(res.headers.get('x-checksum-sha256')).toBe(sha('two'));
  });

  it('answers 503 with the fix when the agent is not built', async () => {
    const a = app({ agentPath: join(dir, 'missing.js') });
    for (const p of ['/agent.js', '/agent.js.sha256']) {
      const res = await a.request(p);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('npm run build');
    }
  });
});

describe('GET /runtime/*', () => {
  it('describes the served runtime: platform, version, size, sha256', async () => {
    const res = await app().request('/runtime/info');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ...platform, sha256: sha(runtimeBytes), size: runtimeBytes.length });
    expect(await (await app().request('/runtime/node.sha256')).text()).toBe(`${sha(runtimeBytes)}  node\n`);
  });

  it('serves the binary as is and gzip-compressed, both matching the sha256', async () => {
    const a = app();
    const raw = await a.request('/runtime/node');
    expect(raw.headers.get('x-checksum-sha256')).toBe(sha(runtimeBytes));
    expect(sha(new Uint8Array(await raw.arrayBuffer()))).toBe(sha(runtimeBytes));
    for (let i = 0; i < 2; i++) {
      // The second request is served from the cached copy.
      const gz = await a.request('/runtime/node.gz');
      expect(gz.status).toBe(200);
      const packed = new Uint8Array(await gz.arrayBuffer());
      expect(packed.length).toBeLessThan(runtimeBytes.length);
      expect(Number(gz.headers.get('content-length'))).toBe(packed.length);
      expect(gz.headers.get('x-uncompressed-sha256')).toBe(sha(runtimeBytes));
      expect(sha(gunzipSync(packed))).toBe(sha(runtimeBytes));
    }
  });

  it('defaults to this process: its own node binary and platform', async () => {
    const res = await installRoutes({ agentPath }).request('/runtime/info');
    const info = (await res.json()) as Record<string, unknown>;
    expect(info).toMatchObject({ os: process.platform, arch: process.arch, libc: currentLibc(), version: process.version });
    expect(info.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers 404 with a hint when no runtime is served, 500 when the binary is gone', async () => {
    const none = await installRoutes({ agentPath, runtime: null }).request('/runtime/node.gz');
    expect(none.status).toBe(404);
    expect(await none.text()).toContain('install Node >= 18');
    const gone = await installRoutes({ agentPath, runtime: { path: join(dir, 'no-such-node'), platform } }).request('/runtime/info');
    expect(gone.status).toBe(500);
  });
});

describe('options', () => {
  it('parsePublicUrl keeps scheme, host and path prefix, and refuses what install.sh cannot carry', () => {
    expect(parsePublicUrl('https://co.example.com/')).toBe('https://co.example.com');
    expect(parsePublicUrl('http://10.1.2.3:8080/co/')).toBe('http://10.1.2.3:8080/co');
    for (const bad of ['ftp://x', 'not a url', 'https://u:p@x', 'https://x/?a=1', 'https://x/#f']) {
      expect(() => parsePublicUrl(bad)).toThrow(ConfigError);
    }
    expect(() => parsePublicUrl('ftp://x')).toThrow(/^PUBLIC_URL: /);
  });

  it('fails at start-up when the installer is missing or has no URL placeholder', () => {
    expect(() => installRoutes({ agentPath, installScriptPath: join(dir, 'nope.sh') })).toThrow(/nope\.sh/);
    const noPlaceholder = join(dir, 'plain.sh');
    writeFileSync(noPlaceholder, '#!/bin/sh\n');
    expect(() => installRoutes({ agentPath, installScriptPath: noPlaceholder })).toThrow(/placeholder/);
  });

  it('finds the package root from this file', () => {
    expect(findPackageRoot()).toBe(join(import.meta.dirname, '../../..'));
  });
});
