// A synchronous PostgreSQL connection with better-sqlite3's shape (libpq's blocking calls, about 50 µs a query on
// loopback), so the store's repositories and their one transaction discipline run unchanged on either database.
import { createRequire } from 'node:module';
import type PQType from 'libpq';
import pgTypes from 'pg-types';
import { redactDatabaseUrl } from '../../config/database-url';
import { pgSchema, pgStatement, type PgStatementText } from './pg-dialect';
import type { RunResult, SqlDatabase, SqlParam, SqlParams, SqlStatement } from './sql-database';

/** A statement PostgreSQL refused, with its SQLSTATE (23505: unique violation). */
export class PgError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'PgError';
  }
}

/**
 * libpq is an optional dependency (it compiles against libpq-dev): loaded only when a PostgreSQL store is opened, so
 * SQLite users install without it. Loaded through require: it prints its include directory to stdout when it has no
 * parent module (an ESM import).
 */
function loadLibpq(): typeof PQType {
  try {
    return createRequire(import.meta.url)('libpq') as typeof PQType;
  } catch (err) {
    throw new PgError(
      `PostgreSQL support needs the libpq binding, which did not install (${String((err as Error).message).split('\n')[0]}): ` +
        'install libpq-dev (Debian/Ubuntu) and run `npm rebuild libpq`',
      null,
    );
  }
}

/**
 * Finished connections are kept reachable: the binding's destructor aborts the process (libuv's "uv__finish_close"
 * assertion) when the garbage collector frees a PQ object after finish(). Each holds a few hundred bytes once
 * finished, and a process finishes a handful of connections (tests finish hundreds).
 */
const finished: PQType[] = [];

const INT8 = 20;
const NUMERIC = 1700;
// Epoch milliseconds and counters fit a double exactly far beyond any date this program sees.
const parsers = new Map<number, (v: string) => unknown>([
  [INT8, (v) => Number(v)],
  [NUMERIC, (v) => Number(v)],
]);
function parserFor(oid: number): (v: string) => unknown {
  let p = parsers.get(oid);
  if (p === undefined) {
    p = pgTypes.getTypeParser(oid, 'text') as (v: string) => unknown;
    parsers.set(oid, p);
  }
  return p;
}

function toText(v: SqlParam): string | null {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return `\\x${v.toString('hex')}`;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new PgError(`cannot store the number ${v}`, null);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v);
}

/**
 * libpq waits for a connection as long as the operating system does (minutes, against a host that drops packets), and
 * its blocking calls hold the whole process meanwhile: ten seconds is the most, unless the URL says otherwise.
 */
function withConnectTimeout(url: string): string {
  if (!/^postgres(ql)?:\/\//i.test(url) || /[?&]connect_timeout=/i.test(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}connect_timeout=10`;
}

/** libpq's PQTRANS_UNKNOWN: the connection is bad (the server restarted, the network dropped). */
const PQTRANS_UNKNOWN = 4;
/** A server that refused a new connection is tried again at most this often: each try blocks while it connects. */
const RECONNECT_EVERY_MS = 2_000;

export class PgDatabase implements SqlDatabase {
  readonly dialect = 'postgres' as const;
  private pq: PQType = new (loadLibpq())();
  private depth = 0;
  private statements = 0;
  private open = true;
  private lastFailedReconnect = 0;
  /** Connections made again after one was lost (`/metrics`, tests). */
  reconnects = 0;

  private readonly url: string;

  constructor(url: string) {
    this.url = withConnectTimeout(url);
    try {
      this.pq.connectSync(this.url);
    } catch (err) {
      finished.push(this.pq);
      throw new PgError(`cannot connect to PostgreSQL at ${redactDatabaseUrl(url)}: ${String((err as Error).message).trim()}`, null);
    }
    this.query('SET client_min_messages = warning', []);
  }

  /**
   * Before a statement outside any transaction: a connection the server dropped is replaced, and every statement is
   * prepared again on the new one. The statement that met the loss has failed already (its caller saw the error and,
   * in a transaction, rolled back); inside a transaction nothing is replaced, since what it wrote is gone with it.
   */
  private ensureConnected(): void {
    if (this.depth > 0 || !this.open || this.pq.transactionStatus() !== PQTRANS_UNKNOWN) return;
    const now = Date.now();
    if (now - this.lastFailedReconnect < RECONNECT_EVERY_MS) return; // the statement fails on the lost connection
    const fresh = new (loadLibpq())();
    try {
      fresh.connectSync(this.url);
    } catch {
      finished.push(fresh);
      this.lastFailedReconnect = now;
      return; // still unreachable: the statement fails and says so; the next one after RECONNECT_EVERY_MS tries again
    }
    this.lastFailedReconnect = 0;
    this.pq.finish();
    finished.push(this.pq);
    this.pq = fresh;
    for (const p of this.prepared.values()) p.done.done = false;
    this.reconnects++;
    this.query('SET client_min_messages = warning', []);
  }

  /** One server-side statement per SQL text: repeated prepares (a copy's batches) reuse it. */
  private readonly prepared = new Map<string, { st: PgStatementText; name: string; done: { done: boolean } }>();

  prepare(sql: string): SqlStatement {
    let p = this.prepared.get(sql);
    if (p === undefined) {
      p = { st: pgStatement(sql), name: `s${++this.statements}`, done: { done: false } };
      this.prepared.set(sql, p);
    }
    return new PgStatement(this, p.st, p.name, p.done);
  }

  /** SqlDatabase.forget: DEALLOCATE on this connection (a lost connection took it with it). */
  forget(sql: string): void {
    const p = this.prepared.get(sql);
    if (p === undefined) return;
    this.prepared.delete(sql);
    if (!p.done.done) return;
    p.done.done = false;
    if (this.open && this.pq.transactionStatus() !== PQTRANS_UNKNOWN) this.exec(`DEALLOCATE ${p.name}`);
  }

  /** A statement that ends or marks a transaction: never on a new connection (a lost one makes it fail, as it must). */
  private onSameConnection(sql: string): void {
    this.pq.exec(sql);
    this.check();
  }

  exec(sql: string): this {
    this.ensureConnected();
    this.pq.exec(pgSchema(sql));
    this.check();
    return this;
  }

  transaction<T>(fn: () => T): () => T {
    return (): T => {
      const sp = this.depth === 0 ? null : `sp${this.depth}`;
      // Only BEGIN may make a new connection: every statement that ends a transaction must reach the one it began on.
      if (sp === null) this.exec('BEGIN');
      else this.onSameConnection(`SAVEPOINT ${sp}`);
      this.depth++;
      let result: T;
      try {
        result = fn();
      } catch (err) {
        this.depth--;
        try {
          this.onSameConnection(sp === null ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${sp}`);
        } catch (rollbackErr) {
          // The connection is gone; the server rolls back on its own. Report the first error, which says why.
          void rollbackErr;
        }
        throw err;
      }
      this.depth--;
      if (sp !== null) {
        this.onSameConnection(`RELEASE SAVEPOINT ${sp}`);
        return result;
      }
      this.onSameConnection('COMMIT');
      // A transaction in which a statement failed (and the error was caught) ends in ROLLBACK even when asked to
      // COMMIT, and PostgreSQL reports that as success: nothing it wrote is stored, so the caller must not believe it.
      if (this.pq.cmdStatus() !== 'COMMIT') {
        throw new PgError(`the transaction was rolled back (${this.pq.cmdStatus()}): a statement in it failed`, null);
      }
      return result;
    };
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.pq.finish();
    finished.push(this.pq);
  }

  /** Runs text with $n parameters (unprepared). */
  query(text: string, params: (string | null)[]): void {
    this.ensureConnected();
    this.pq.execParams(text, params);
    this.check();
  }

  /** Prepares once per connection, then executes by name: PostgreSQL plans the statement once. */
  execute(name: string, st: PgStatementText, params: (string | null)[], prepared: { done: boolean }): void {
    this.ensureConnected();
    if (!prepared.done) {
      this.pq.prepare(name, st.text, st.count);
      this.check();
      prepared.done = true;
    }
    this.pq.execPrepared(name, params);
    this.check();
  }

  rows(mode: 'object' | 'array' | 'pluck'): unknown[] {
    const pq = this.pq;
    const n = pq.ntuples();
    const f = pq.nfields();
    const names: string[] = [];
    const parse: ((v: string) => unknown)[] = [];
    for (let c = 0; c < f; c++) {
      names.push(pq.fname(c));
      parse.push(parserFor(pq.ftype(c)));
    }
    const value = (r: number, c: number) => {
      const v = pq.getvalue(r, c);
      return v === '' && pq.getisnull(r, c) ? null : parse[c]!(v);
    };
    const out = new Array<unknown>(n);
    for (let r = 0; r < n; r++) {
      if (mode === 'pluck') out[r] = f > 0 ? value(r, 0) : undefined;
      else if (mode === 'array') {
        const row = new Array<unknown>(f);
        for (let c = 0; c < f; c++) row[c] = value(r, c);
        out[r] = row;
      } else {
        const row: Record<string, unknown> = {};
        for (let c = 0; c < f; c++) row[names[c]!] = value(r, c);
        out[r] = row;
      }
    }
    return out;
  }

  changes(): number {
    return Number(this.pq.cmdTuples()) || 0;
  }

  private check(): void {
    const status = this.pq.resultStatus();
    if (status === 'PGRES_COMMAND_OK' || status === 'PGRES_TUPLES_OK' || status === 'PGRES_EMPTY_QUERY') return;
    const fields = this.pq.resultErrorFields();
    const message = (this.pq.resultErrorMessage() || this.pq.errorMessage() || status).trim();
    throw new PgError(message, fields?.['sqlState'] ?? null);
  }
}

class PgStatement implements SqlStatement {
  private mode: 'object' | 'array' | 'pluck' = 'object';

  constructor(
    private readonly db: PgDatabase,
    private readonly st: PgStatementText,
    private readonly name: string,
    /** Shared by every statement object of this SQL text: prepared once per connection. */
    private readonly prepared: { done: boolean },
  ) {}

  pluck(toggle = true): this {
    this.mode = toggle ? 'pluck' : 'object';
    return this;
  }

  raw(toggle = true): this {
    this.mode = toggle ? 'array' : 'object';
    return this;
  }

  run(...params: SqlParams): RunResult {
    this.exec(params);
    const changes = this.db.changes();
    let lastInsertRowid = 0;
    if (this.st.returnsKey !== null) {
      const keys = this.db.rows('pluck');
      if (keys.length > 0) lastInsertRowid = Number(keys[0]);
    }
    return { changes, lastInsertRowid };
  }

  get(...params: SqlParams): unknown {
    this.exec(params);
    return this.db.rows(this.mode)[0];
  }

  all(...params: SqlParams): unknown[] {
    this.exec(params);
    return this.db.rows(this.mode);
  }

  private exec(params: SqlParams): void {
    let values: SqlParam[];
    if (this.st.names !== null) {
      const bag = (params[0] ?? {}) as Record<string, SqlParam>;
      values = this.st.names.map((n) => bag[n]);
    } else {
      values = params as SqlParam[];
    }
    if (values.length !== this.st.count) {
      throw new PgError(`statement wants ${this.st.count} parameters, got ${values.length}: ${this.st.text.slice(0, 120)}`, null);
    }
    this.db.execute(this.name, this.st, values.map(toText), this.prepared);
  }
}
