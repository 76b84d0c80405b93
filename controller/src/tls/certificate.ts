// The controller's TLS certificate: loaded from PEM files (TLS_CERT_FILE/TLS_KEY_FILE) or, on a public address without
// them, a self-signed one made once with `openssl` in DATA_DIR and kept; re-read when the files change (certbot renewals).
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { unwatchFile, watchFile } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, type Server as TlsServer } from 'node:tls';
import { isLoopback, type Config } from '../config/config';
import { errorMessage, type Logger } from '../log';
import { spkiPin } from './pin';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** True when the controller made them itself (DATA_DIR); agents then need the pin. */
  selfSigned: boolean;
}

export interface LoadedCertificate {
  cert: Buffer;
  key: Buffer;
  /** sha256//... of the certificate's public key (curl --pinnedpubkey format). */
  pin: string;
}

export class TlsSetupError extends Error {
  override name = 'TlsSetupError';
}

/** Where the self-signed pair lives in DATA_DIR. */
export function selfSignedPaths(dataDir: string): TlsFiles {
  return { certFile: join(dataDir, 'tls-cert.pem'), keyFile: join(dataDir, 'tls-key.pem'), selfSigned: true };
}

/**
 * Which certificate the controller serves: the configured files; else, on a non-loopback HOST without
 * ALLOW_PLAINTEXT, its own self-signed pair; else none (plain HTTP on loopback, or behind a TLS proxy).
 */
export function tlsFilesFor(config: Pick<Config, 'tls' | 'host' | 'allowPlaintext' | 'dataDir'>): TlsFiles | null {
  if (config.tls !== null) return { ...config.tls, selfSigned: false };
  if (isLoopback(config.host) || config.allowPlaintext) return null;
  return selfSignedPaths(config.dataDir);
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${(stderr || err.message).trim().split('\n').slice(-1)[0]}`));
      else resolve();
    });
  });
}

/**
 * Makes the self-signed key and certificate (EC P-256, 10 years) unless both exist. Node has no X.509 writer, so
 * `openssl req -x509` does it; the files are written under temporary names, made 0600, then renamed into place.
 */
export async function ensureSelfSigned(files: TlsFiles, logger: Logger, openssl = 'openssl'): Promise<boolean> {
  if ((await exists(files.certFile)) && (await exists(files.keyFile))) return false;
  await mkdir(join(files.certFile, '..'), { recursive: true, mode: 0o700 });
  const suffix = `.${process.pid}.tmp`;
  const [keyTmp, certTmp] = [files.keyFile + suffix, files.certFile + suffix];
  // Host names are for browsers and curl without a pin; agents check the pinned key, not the name.
  const name = hostname().replace(/[^A-Za-z0-9.-]/g, '') || 'localhost';
  try {
    await run(openssl, [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '3650',
      '-subj',
      '/CN=cost-optimizer controller',
      '-addext',
      `subjectAltName=DNS:${name},DNS:localhost,IP:127.0.0.1,IP:::1`,
      '-keyout',
      keyTmp,
      '-out',
      certTmp,
    ]).catch((err: unknown) => {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT' || /ENOENT/.test(errorMessage(err));
      throw new TlsSetupError(
        missing
          ? 'a non-loopback HOST needs TLS: set TLS_CERT_FILE and TLS_KEY_FILE, install openssl (the controller then makes its own certificate), or set ALLOW_PLAINTEXT=true behind a TLS proxy'
          : `cannot make a self-signed certificate in ${files.certFile}: ${errorMessage(err)}`,
      );
    });
    await chmod(keyTmp, 0o600);
    await chmod(certTmp, 0o600);
    await rename(keyTmp, files.keyFile);
    await rename(certTmp, files.certFile);
  } finally {
    await rm(keyTmp, { force: true });
    await rm(certTmp, { force: true });
  }
  logger.info(`made a self-signed TLS certificate ${files.certFile} (key ${files.keyFile}, mode 0600)`);
  return true;
}

/** Reads and checks the pair (the key must belong to the certificate). */
export async function loadCertificate(files: Pick<TlsFiles, 'certFile' | 'keyFile'>): Promise<LoadedCertificate> {
  let cert: Buffer, key: Buffer;
  try {
    [cert, key] = await Promise.all([readFile(files.certFile), readFile(files.keyFile)]);
  } catch (err) {
    throw new TlsSetupError(`cannot read the TLS certificate or key: ${errorMessage(err)}`);
  }
  try {
    createSecureContext({ cert, key });
    return { cert, key, pin: spkiPin(cert) };
  } catch (err) {
    throw new TlsSetupError(`${files.certFile} / ${files.keyFile} are not a matching PEM certificate and key: ${errorMessage(err)}`);
  }
}

/**
 * Watches both files (polling: certbot swaps symlinks, which inotify on the old inode misses) and installs a changed
 * pair with setSecureContext: new handshakes get it, open connections (agents) keep theirs. A half-written renewal
 * (key and certificate not matching yet) is logged and retried at the next change; the old pair stays in use.
 */
export function watchCertificate(server: TlsServer, files: TlsFiles, current: LoadedCertificate, logger: Logger, intervalMs = 5000): () => void {
  let last = current;
  let busy = false;
  let again = false;
  const reload = async () => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const next = await loadCertificate(files);
      if (!next.cert.equals(last.cert) || !next.key.equals(last.key)) {
        server.setSecureContext({ cert: next.cert, key: next.key });
        const keyNote = next.pin === last.pin ? 'same key' : `NEW key ${next.pin}: agents pinned to ${last.pin} will not reconnect`;
        (next.pin === last.pin ? logger.info : logger.warn).call(logger, `TLS certificate reloaded from ${files.certFile} (${keyNote})`);
        last = next;
      }
    } catch (err) {
      logger.warn(`TLS certificate not reloaded, keeping the current one: ${errorMessage(err)}`);
    } finally {
      busy = false;
      if (again) {
        again = false;
        void reload();
      }
    }
  };
  const onChange = () => void reload();
  watchFile(files.certFile, { interval: intervalMs, persistent: false }, onChange);
  watchFile(files.keyFile, { interval: intervalMs, persistent: false }, onChange);
  return () => {
    unwatchFile(files.certFile, onChange);
    unwatchFile(files.keyFile, onChange);
  };
}
