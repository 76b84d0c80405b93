import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type Server } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { selfSigned } from '../../../test/helpers/tls-certs';
import type { Logger } from '../log';
import { ensureSelfSigned, loadCertificate, selfSignedPaths, TlsSetupError, watchCertificate } from './certificate';

const dir = mkdtempSync(join(tmpdir(), 'co-cert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lineLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (msg: string) => lines.push(`${level} ${msg}`);
  return { logger: { debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') } as Logger, lines };
}

function servedCn(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const cn = s.getPeerCertificate().subject.CN;
      s.destroy();
      resolve(String(cn));
    });
    s.on('error', reject);
  });
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met');
}

describe('ensureSelfSigned', () => {
  it('makes a 0600 key and certificate once and keeps them', async () => {
    const files = selfSignedPaths(join(dir, 'data'));
    const { logger } = lineLogger();
    expect(await ensureSelfSigned(files, logger)).toBe(true);
    for (const f of [files.certFile, files.keyFile]) expect((statSync(f).mode & 0o777).toString(8)).toBe('600');
    const first = await loadCertificate(files);
    expect(await ensureSelfSigned(files, logger)).toBe(false);
    expect((await loadCertificate(files)).pin).toBe(first.pin);
  });

  it('says what to do when openssl is missing', async () => {
    const files = selfSignedPaths(join(dir, 'no-openssl'));
    await expect(ensureSelfSigned(files, lineLogger().logger, '/nonexistent/openssl')).rejects.toThrow(
      /set TLS_CERT_FILE and TLS_KEY_FILE, install openssl.*ALLOW_PLAINTEXT=true/,
    );
    await expect(ensureSelfSigned(files, lineLogger().logger, '/nonexistent/openssl')).rejects.toBeInstanceOf(TlsSetupError);
  });
});

describe('watchCertificate', () => {
  it('keeps the old pair through a half-written renewal and installs the new one once it matches', async () => {
    const a = selfSigned(dir, 'a', { cn: 'A' });
    const b = selfSigned(dir, 'b', { cn: 'B' });
    const files = { certFile: join(dir, 'live.crt'), keyFile: join(dir, 'live.key'), selfSigned: false };
    copyFileSync(a.certFile, files.certFile);
    copyFileSync(a.keyFile, files.keyFile);
    const loaded = await loadCertificate(files);
    const server: Server = createServer({ cert: loaded.cert, key: loaded.key }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const { logger, lines } = lineLogger();
    const stop = watchCertificate(server, files, loaded, logger, 50);
    try {
      expect(await servedCn(port)).toBe('A');
      copyFileSync(b.certFile, files.certFile); // the certificate first: it does not match the old key
      await until(() => lines.some((l) => l.startsWith('warn TLS certificate not reloaded')));
      expect(await servedCn(port)).toBe('A');
      copyFileSync(b.keyFile, files.keyFile);
      await until(async () => (await servedCn(port)) === 'B');
      expect(lines.find((l) => l.includes('TLS certificate reloaded'))).toMatch(/^warn .*NEW key/);
    } finally {
      stop();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
