// Agent tokens: `co_` + 32 random bytes (base64url). Only sha256(token) is stored, so a copy of the database
// cannot be used to report for an instance.
import type Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'co_';
/** `co_` + 43 base64url characters (32 bytes). */
const TOKEN_SHAPE = /^co_[A-Za-z0-9_-]{43}$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export class TokensRepo {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = {
      insert: db.prepare('INSERT INTO tokens (hash, instance_id, created_at) VALUES (?, ?, ?)'),
      lookup: db.prepare('SELECT instance_id FROM tokens WHERE hash = ? AND revoked_at IS NULL').pluck(),
      revoke: db.prepare('UPDATE tokens SET revoked_at = ? WHERE instance_id = ? AND revoked_at IS NULL'),
    };
  }

  /** Mints a token for an instance the caller has already registered; returns the plaintext, which is never stored. */
  create(instanceId: string, now: number): string {
    const token = newToken();
    this.stmt.insert.run(hashToken(token), instanceId, now);
    return token;
  }

  /** The instance a token is bound to, or null (unknown, revoked or malformed). */
  instanceFor(token: string): string | null {
    if (!TOKEN_SHAPE.test(token)) return null;
    return (this.stmt.lookup.get(hashToken(token)) as string | undefined) ?? null;
  }

  /** Revokes every live token of an instance; returns how many. */
  revokeAll(instanceId: string, now: number): number {
    return this.stmt.revoke.run(now, instanceId).changes;
  }
}
