// The part of a SQL connection the store's repositories use: better-sqlite3's shape, which PgDatabase also takes.
// Keeping the repositories on this narrow surface is what lets one store run on SQLite or PostgreSQL.

export type SqlParam = string | number | bigint | Buffer | null | undefined;
export type SqlParams = SqlParam[] | [Record<string, SqlParam>];

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface SqlStatement {
  run(...params: SqlParams): RunResult;
  get(...params: SqlParams): unknown;
  all(...params: SqlParams): unknown[];
  /** Rows as their first column only. */
  pluck(toggle?: boolean): this;
  /** Rows as arrays in column order. */
  raw(toggle?: boolean): this;
}

export type SqlDialect = 'sqlite' | 'postgres';

export interface SqlDatabase {
  prepare(sql: string): SqlStatement;
  /** Runs statements without parameters (schema migrations). */
  exec(sql: string): unknown;
  /** Wraps fn in a transaction (a savepoint when nested); call the result to run it. */
  transaction<T>(fn: () => T): () => T;
  close(): unknown;
  /**
   * Lets go of the statement prepared for this SQL text, which must not be run again: one made for a table that is
   * gone (a dropped day partition). PostgreSQL keeps a prepared statement for the life of its connection; SQLite's
   * are freed with their objects, so it has no such method.
   */
  forget?(sql: string): void;
  /** Connections made again after one was lost (PostgreSQL, pg-database.ts); absent on SQLite. */
  readonly reconnects?: number;
}

/** Which database a connection talks to (better-sqlite3's connections carry no such field). */
export function dialectOf(db: SqlDatabase): SqlDialect {
  return (db as { dialect?: SqlDialect }).dialect === 'postgres' ? 'postgres' : 'sqlite';
}
