// Fleet join tokens (docs/enrolment.md): `coj_` + 32 random bytes (base64url), for provider start-up scripts. Like
// agent tokens only sha256(token) is stored; each has a short public id (the first 12 hex digits of that hash) to
// list and revoke it by, an optional expiry and a revocation time.
import type { SqlDatabase } from './sql/sql-database';
import { randomBytes } from 'node:crypto';
import { hashToken } from './tokens-repo';

export const JOIN_TOKEN_PREFIX = 'coj_';
const JOIN_TOKEN_SHAPE = /^coj_[A-Za-z0-9_-]{43}$/;
/** The public handle: 12 hex digits, enough to tell a fleet's few join tokens apart, useless to guess the token. */
export const JOIN_TOKEN_ID_SHAPE = /^[0-9a-f]{12}$/;

export interface JoinTokenInfo {
  id: string;
  createdAt: number;
  /** Epoch ms, or null: never expires. */
  expiresAt: number | null;
  revokedAt: number | null;
}

export function isJoinTokenShape(token: string): boolean {
  return JOIN_TOKEN_SHAPE.test(token);
}

export class JoinTokensRepo {
  private readonly stmt;

  constructor(db: SqlDatabase) {
    this.stmt = {
      insert: db.prepare('INSERT INTO join_tokens (id, hash, created_at, expires_at) VALUES (?, ?, ?, ?)'),
      lookup: db.prepare('SELECT id, expires_at, revoked_at FROM join_tokens WHERE hash = ?'),
      revoke: db.prepare('UPDATE join_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      exists: db.prepare('SELECT 1 FROM join_tokens WHERE id = ?').pluck(),
      list: db.prepare('SELECT id, created_at, expires_at, revoked_at FROM join_tokens ORDER BY created_at, id'),
    };
  }

  /** Mints a join token; returns its id and the plaintext, which is never stored. */
  create(now: number, expiresAt: number | null): { id: string; token: string } {
    const token = JOIN_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const hash = hashToken(token);
    const id = hash.slice(0, 12);
    this.stmt.insert.run(id, hash, now, expiresAt);
    return { id, token };
  }

  /** The id of a live join token (known, not revoked, not expired at `now`), or null. */
  validId(token: string, now: number): string | null {
    if (!JOIN_TOKEN_SHAPE.test(token)) return null;
    const row = this.stmt.lookup.get(hashToken(token)) as { id: string; expires_at: number | null; revoked_at: number | null } | undefined;
    if (row === undefined || row.revoked_at !== null) return null;
    if (row.expires_at !== null && now >= row.expires_at) return null;
    return row.id;
  }

  /** Revokes one join token; 'revoked', 'already' (revoked before) or 'unknown'. */
  revoke(id: string, now: number): 'revoked' | 'already' | 'unknown' {
    if (this.stmt.revoke.run(now, id).changes === 1) return 'revoked';
    return this.stmt.exists.get(id) === undefined ? 'unknown' : 'already';
  }

  list(): JoinTokenInfo[] {
    return (this.stmt.list.all() as { id: string; created_at: number; expires_at: number | null; revoked_at: number | null }[]).map((r) => ({
      id: r.id,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      revokedAt: r.revoked_at,
    }));
  }
}
