// The admin credential when ADMIN_TOKEN is unset: generated once into DATA_DIR/admin-token (0600) at the first start
// and reused after, so /api/* is never open (a TLS proxy on the same machine makes "loopback" mean "the internet").
// The local CLI reads the same file; the value is never logged, only where it is.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, openSync, readFileSync, writeSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log';

export const ADMIN_TOKEN_FILE = 'admin-token';

export function adminTokenPath(dataDir: string): string {
  return join(dataDir, ADMIN_TOKEN_FILE);
}

/** The token in DATA_DIR/admin-token, or null when there is none (or it cannot be read: the caller says so). */
export function readAdminTokenFile(dataDir: string): string | null {
  let text: string;
  try {
    text = readFileSync(adminTokenPath(dataDir), 'utf8');
  } catch {
    return null;
  }
  const t = text.trim();
  return t.length >= 16 ? t : null;
}

/** Reads DATA_DIR/admin-token, creating it (0600, exclusive create) when absent; throws when it cannot. */
export function ensureAdminToken(dataDir: string, logger: Logger): string {
  const path = adminTokenPath(dataDir);
  const existing = readAdminTokenFile(dataDir);
  if (existing !== null) {
    // A copy restored from a backup may have lost its mode: the file is a password.
    if ((statSync(path).mode & 0o077) !== 0) {
      chmodSync(path, 0o600);
      logger.warn(`${path} was readable by others; set its mode to 0600`);
    }
    logger.info(`admin credential: ADMIN_TOKEN is unset, using the token in ${path} (the local CLI reads it from there)`);
    return existing;
  }
  mkdirSync(dataDir, { recursive: true });
  const token = 'adm_' + randomBytes(32).toString('base64url');
  // 'wx': never overwrite a file another process created meanwhile; the mode is set at creation, before any write.
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, token + '\n');
  } finally {
    closeSync(fd);
  }
  logger.info(`admin credential: ADMIN_TOKEN is unset, generated one into ${path} (mode 0600; the local CLI reads it from there)`);
  return token;
}
