// Applies the schema's versions (migrations.ts): each runs once, in order, inside a transaction, and is recorded in
// schema_migrations.
import { MIGRATIONS, type Migration } from './migrations';
import { dialectOf, type SqlDatabase } from './sql/sql-database';

// Any fixed number: the key of PostgreSQL's session advisory lock that serializes migrations between replicas.
const MIGRATION_LOCK = 0x636f_6d69;

/**
 * Applies the migrations the database has not seen; refuses a database written by a newer version. On PostgreSQL,
 * replicas starting together take turns under an advisory lock, so each migration runs exactly once.
 */
export function migrate(db: SqlDatabase, now: number, migrations: readonly Migration[] = MIGRATIONS): number[] {
  if (dialectOf(db) !== 'postgres') return migrateLocked(db, now, migrations);
  db.prepare('SELECT pg_advisory_lock(?)').get(MIGRATION_LOCK);
  try {
    return migrateLocked(db, now, migrations);
  } finally {
    db.prepare('SELECT pg_advisory_unlock(?)').get(MIGRATION_LOCK);
  }
}

function migrateLocked(db: SqlDatabase, now: number, migrations: readonly Migration[]): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const newest = Math.max(0, ...migrations.map((m) => m.version));
  const unknown = [...applied].filter((v) => v > newest);
  if (unknown.length > 0) {
    throw new Error(`database schema version ${Math.max(...unknown)} is newer than this program knows (${newest}); upgrade cost-optimizer`);
  }
  const ran: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      if (m.sql.trim() !== '') db.exec(m.sql);
      if (m.postgresOnly !== undefined && dialectOf(db) === 'postgres') db.exec(m.postgresOnly);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, now);
    })();
    ran.push(m.version);
  }
  return ran;
}
