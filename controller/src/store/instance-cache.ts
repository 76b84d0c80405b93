// An in-memory copy of the instances table, kept by InstancesRepo as it writes: the optimizer lists every instance
// each cycle, and reading and decoding 10,000 rows cost more than the rest of the cycle (bench/cycle.ts). The
// database stays the truth: a row this repo changed is re-read when next needed, and a rollback drops the copy.
// Writes by others: on SQLite (`cost-optimizer token create` on the same file) PRAGMA data_version moves and the copy
// is read afresh; on PostgreSQL, where every replica writes all the time, only the rows stamped since the last read
// are read again (migration 9's change stamps; docs/scale-out.md).
import { CURRENT_SNAPSHOT_SQL, parseSnapshot, type PgSnapshot, snapshotParams, writtenSince } from './sql/pg-snapshot';
import { dialectOf, type SqlDatabase, type SqlStatement } from './sql/sql-database';
import { INSTANCE_COLUMNS, INSTANCE_FROM, type InstanceRow, toRecord } from './instance-row';
import { detachRecord, type Listing, listedRecord } from './listed-record';
import type { InstanceRecord } from './types';

/** PostgreSQL: at most this many written rows are read back one by one; more are read in one full read. */
const STALE_ROWS_READ_ONE_BY_ONE = 256;

// SQLite's BINARY order for the ASCII ids instance-id.ts allows.
const ascending = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class InstanceCache {
  private records: Map<string, InstanceRecord> | null = null;
  private readonly keyById = new Map<string, number>();
  private readonly idByKey = new Map<number, string>();
  /** Rows written since they were read: re-read on the next access. */
  private readonly stale = new Set<string>();
  /** Ids in order; rebuilt only when an id is added or removed. */
  private order: string[] | null = null;
  private listed: readonly InstanceRecord[] | null = null;
  private dataVersion: number | null = null;
  /** PostgreSQL: the oldest transaction still running at the last read; rows stamped at or above it are read again. */
  private since: PgSnapshot | null = null;
  private readonly stmt;
  private readonly changes: ChangeStatements | null;
  /** Each provider's last listing time, shared by its records (listed-record.ts): a listing moves them all at once. */
  private listings = new Map<string, Listing>();
  /** Listing times moved by the transaction under way, with the time each had before: put back if it rolls back. */
  private readonly moved: [Listing, number | undefined][] = [];

  constructor(db: SqlDatabase) {
    const shared = dialectOf(db) === 'postgres';
    this.stmt = {
      all: db.prepare(`SELECT ${INSTANCE_COLUMNS} FROM ${INSTANCE_FROM}`).raw(),
      one: db.prepare(`SELECT ${INSTANCE_COLUMNS} FROM ${INSTANCE_FROM} WHERE instances.id = ?`).raw(),
      dataVersion: shared ? null : db.prepare('PRAGMA data_version').pluck(),
    };
    this.changes = shared ? changeStatements(db) : null;
  }

  /** Every instance by id, current. */
  map(): ReadonlyMap<string, InstanceRecord> {
    return this.sync();
  }

  /** Every instance, ordered by id (a fresh array; the records are frozen and shared). */
  list(): InstanceRecord[] {
    const records = this.sync();
    if (this.order === null) this.order = [...records.keys()].sort(ascending);
    if (this.listed === null) this.listed = this.order.map((id) => records.get(id)!);
    return this.listed.slice();
  }

  /** The copy brought up to date once, then looked up by row key (the sample feed names instances by key). */
  byKey(): (key: number) => InstanceRecord | undefined {
    this.sync();
    return (key) => this.recordOfKey(key);
  }

  /** The key of an id in the copy as last synced (call map() first). */
  knownKey(id: string): number | undefined {
    return this.keyById.get(id);
  }

  /** The row was written (or inserted with this key): read it again before it is next handed out. */
  markStale(id: string, key?: number): void {
    if (this.records === null) return;
    if (key !== undefined) {
      this.keyById.set(id, key);
      this.idByKey.set(key, id);
    }
    const old = this.records.get(id);
    if (old === undefined) this.order = null;
    else detachRecord(old);
    this.stale.add(id);
    this.listed = null;
  }

  /**
   * Applies a change this repo just wrote with SQL, without reading the row back. `change` gets the current record;
   * a key not in the copy drops the whole copy (it is then read afresh), which is always correct.
   */
  patchByKey(key: number, change: (r: InstanceRecord) => Partial<InstanceRecord> | null): void {
    if (this.records === null) return;
    const id = this.idByKey.get(key);
    const rec = id === undefined || this.stale.has(id) ? undefined : this.records.get(id);
    if (rec === undefined) {
      if (id !== undefined) this.markStale(id);
      else this.forget();
      return;
    }
    const patch = change(rec);
    if (patch === null) return;
    this.records.set(rec.id, this.listedRecord({ ...rec, ...patch }));
    detachRecord(rec);
    this.listed = null;
  }

  patchById(id: string, patch: Partial<InstanceRecord>): void {
    const key = this.records === null ? undefined : this.keyById.get(id);
    if (key === undefined) this.markStale(id);
    else this.patchByKey(key, () => patch);
  }

  /**
   * The provider listed its fleet at `at` (written to inventory_listings): every record of it listed before and not
   * deleted shows that time, with no record copied (listed-record.ts).
   */
  providerListed(provider: string, at: number): void {
    const listing = this.listingOf(provider);
    this.moved.push([listing, listing.at]);
    listing.at = at;
  }

  /** The transaction committed: the listing times it moved stand. */
  committed(): void {
    this.moved.length = 0;
  }

  /**
   * The transaction rolled back: the listings it recorded never happened, so records already handed out go back to
   * the time they showed before (and keep it, detached), and the copy is dropped.
   */
  rolledBack(): void {
    for (let i = this.moved.length - 1; i >= 0; i--) this.moved[i]![0].at = this.moved[i]![1];
    this.moved.length = 0;
    this.forget();
  }

  /** Drops the copy: it is read afresh when next needed (another writer changed the file, too many rows to read one by one, a rollback). */
  forget(): void {
    if (this.records !== null) for (const rec of this.records.values()) detachRecord(rec);
    this.records = null;
    this.keyById.clear();
    this.idByKey.clear();
    this.stale.clear();
    this.order = null;
    this.listed = null;
    this.dataVersion = null;
    this.since = null;
    // Records made from now on are read afresh with their rows' times: they start new cells.
    this.listings = new Map();
  }

  private sync(): Map<string, InstanceRecord> {
    // PostgreSQL: the snapshot is read before the rows, so a transaction it counts as ended had before they were read.
    const horizon = this.changes === null ? null : parseSnapshot(this.changes.snapshot.get() as string);
    if (this.changes === null) {
      const version = this.stmt.dataVersion!.get() as number;
      if (this.records !== null && version !== this.dataVersion) this.forget();
      this.dataVersion = version;
    } else {
      // A round trip per read: past a few hundred written rows (a first inventory), one full read is cheaper.
      if (this.stale.size > STALE_ROWS_READ_ONE_BY_ONE) this.forget();
      if (this.records !== null && this.since !== null) this.readChanges(this.changes, snapshotParams(this.since, horizon!));
    }
    if (this.records === null) {
      if (this.changes !== null) {
        for (const [provider, at] of this.changes.allListings.all() as [string, number][]) this.listingOf(provider).at = at;
      }
      const records = new Map<string, InstanceRecord>();
      for (const row of this.stmt.all.all() as InstanceRow[]) {
        records.set(row[1], this.listedRecord(toRecord(row)));
        this.keyById.set(row[1], row[0]);
        this.idByKey.set(row[0], row[1]);
      }
      this.records = records;
      this.stale.clear();
    }
    this.since = horizon;
    if (this.stale.size > 0) {
      for (const id of this.stale) {
        const row = this.stmt.one.get(id) as InstanceRow | undefined;
        if (row === undefined) {
          this.records.delete(id);
          this.order = null;
        } else {
          this.records.set(id, this.listedRecord(toRecord(row)));
          this.keyById.set(id, row[0]);
          this.idByKey.set(row[0], id);
        }
      }
      this.stale.clear();
      this.listed = null;
    }
    return this.records;
  }

  /** PostgreSQL: applies the rows, sample marks and inventory times stamped since `since` (another replica's or ours). */
  private readChanges(c: ChangeStatements, since: [string, string, string]): void {
    const records = this.records!;
    for (const row of c.rows.all(...since) as InstanceRow[]) {
      const old = records.get(row[1]);
      if (old === undefined) this.order = null;
      else detachRecord(old);
      records.set(row[1], this.listedRecord(toRecord(row)));
      this.keyById.set(row[1], row[0]);
      this.idByKey.set(row[0], row[1]);
      this.listed = null;
    }
    for (const [key, source, lastSampleAt, memTotalMiB] of c.marks.all(...since) as [number, string, number | null, number | null][]) {
      const rec = this.recordOfKey(key);
      if (rec === undefined) return this.forget();
      if (rec.metricSource === source && rec.lastSampleAt === lastSampleAt && rec.memTotalMiB === memTotalMiB) continue;
      records.set(rec.id, this.listedRecord({ ...rec, metricSource: source as InstanceRecord['metricSource'], lastSampleAt, memTotalMiB }));
      detachRecord(rec);
      this.listed = null;
    }
    for (const [key, own] of c.seen.all(...since) as [number, number | null][]) {
      const rec = this.recordOfKey(key);
      if (rec === undefined) return this.forget();
      const was = rec.lastInventoryAt;
      const now = this.listedRecord({ ...rec, lastInventoryAt: own });
      if (now.lastInventoryAt === was) continue;
      records.set(rec.id, now);
      detachRecord(rec);
      this.listed = null;
    }
    // A provider listed again: every instance it listed before and that is not deleted shows the new time.
    for (const [provider, at] of c.listings.all(...since) as [string, number][]) this.listingOf(provider).at = at;
  }

  private listingOf(provider: string): Listing {
    let l = this.listings.get(provider);
    if (l === undefined) this.listings.set(provider, (l = { at: undefined }));
    return l;
  }

  private listedRecord(rec: InstanceRecord): InstanceRecord {
    return listedRecord(rec, this.listingOf(rec.provider));
  }

  private recordOfKey(key: number): InstanceRecord | undefined {
    const id = this.idByKey.get(key);
    return id === undefined ? undefined : this.records?.get(id);
  }
}

interface ChangeStatements {
  snapshot: SqlStatement;
  rows: SqlStatement;
  marks: SqlStatement;
  seen: SqlStatement;
  listings: SqlStatement;
  allListings: SqlStatement;
}

/** PostgreSQL only (the change stamps of migrations 9 and 11). */
function changeStatements(db: SqlDatabase): ChangeStatements {
  return {
    snapshot: db.prepare(CURRENT_SNAPSHOT_SQL).pluck(),
    rows: db.prepare(`SELECT ${INSTANCE_COLUMNS} FROM ${INSTANCE_FROM} WHERE ${writtenSince('instances.changed_xid')}`).raw(),
    marks: db.prepare(`SELECT inst, metric_source, last_sample_at, mem_total_mib FROM sample_marks WHERE ${writtenSince('changed_xid')}`).raw(),
    seen: db.prepare(`SELECT inst, at FROM inventory_seen WHERE ${writtenSince('changed_xid')}`).raw(),
    listings: db.prepare(`SELECT provider, at FROM inventory_listings WHERE ${writtenSince('changed_xid')}`).raw(),
    allListings: db.prepare('SELECT provider, at FROM inventory_listings').raw(),
  };
}
