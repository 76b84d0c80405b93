// Agent tokens: `co_` + 32 random bytes (base64url). Only sha256(token) is stored, so a copy of the database
// cannot be used to report for an instance.
import type { SqlDatabase } from './sql/sql-database';
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

/** What a valid token grants, as the ingest keeps it for the life of a connection (to re-check it later). */
export interface TokenGrant {
  instanceId: string;
  hash: string;
  /** Epoch ms after which the token is refused; null = never expires. */
  expiresAt: number | null;
}

export class TokensRepo {
  private readonly stmt;

  constructor(db: SqlDatabase) {
    this.stmt = {
      insert: db.prepare('INSERT INTO tokens (hash, instance_id, created_at, expires_at) VALUES (?, ?, ?, ?)'),
      lookup: db.prepare(
        'SELECT instance_id AS instanceId, expires_at AS expiresAt FROM tokens WHERE hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)',
      ),
      revoke: db.prepare('UPDATE tokens SET revoked_at = ? WHERE instance_id = ? AND revoked_at IS NULL'),
      revoked: db.prepare('SELECT instance_id AS instanceId FROM tokens WHERE hash = ? AND revoked_at IS NOT NULL LIMIT 1'),
    };
  }

  /** Mints a token for an instance the caller has already registered; returns the plaintext, which is never stored. */
  create(instanceId: string, now: number, expiresAt: number | null = null): string {
    const token = newToken();
    this.stmt.insert.run(hashToken(token), instanceId, now, expiresAt);
    return token;
  }

  /** What a token grants at `now`, or null (unknown, revoked, expired or malformed). */
  grant(token: string, now: number): TokenGrant | null {
    if (!TOKEN_SHAPE.test(token)) return null;
    return this.grantByHash(hashToken(token), now);
  }

  /** The same check by the stored hash: how a live connection's token is re-checked without keeping the token. */
  grantByHash(hash: string, now: number): TokenGrant | null {
    const row = this.stmt.lookup.get(hash, now) as { instanceId: string; expiresAt: number | null } | undefined;
    return row === undefined ? null : { instanceId: row.instanceId, hash, expiresAt: row.expiresAt };
  }

  /** The instance a token is bound to, or null (unknown, revoked, expired or malformed). */
  instanceFor(token: string, now: number = Date.now()): string | null {
    return this.grant(token, now)?.instanceId ?? null;
  }

  /** The instance of a token that was revoked (by an operator or superseded by an enrolment grant), or null. */
  revokedInstance(token: string): string | null {
    if (!TOKEN_SHAPE.test(token)) return null;
    const row = this.stmt.revoked.get(hashToken(token)) as { instanceId: string } | undefined;
    return row?.instanceId ?? null;
  }

  /** Revokes every live token of an instance; returns how many. */
  revokeAll(instanceId: string, now: number): number {
    return this.stmt.revoke.run(now, instanceId).changes;
  }
}
