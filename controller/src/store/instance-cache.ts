// An in-memory copy of the instances table, kept by InstancesRepo as it writes: the optimizer lists every instance
// each cycle, and reading and decoding 10,000 rows cost more than the rest of the cycle (bench/cycle.ts). The
// database stays the truth: a row this repo changed is re-read when next needed, a rollback drops the copy, and a
// commit by another connection (`cost-optimizer token create` on the same file) is seen through PRAGMA data_version.
import type { SqlDatabase } from './sql/sql-database';
import { INSTANCE_COLUMNS, type InstanceRow, toRecord } from './instance-row';
import type { InstanceRecord } from './types';

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
  private readonly stmt;

  constructor(db: SqlDatabase) {
    this.stmt = {
      all: db.prepare(`SELECT ${INSTANCE_COLUMNS} FROM instances`).raw(),
      one: db.prepare(`SELECT ${INSTANCE_COLUMNS} FROM instances WHERE id = ?`).raw(),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
    };
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
    if (!this.records.has(id)) this.order = null;
    this.stale.add(id);
    this.listed = null;
  }

  markStaleByKey(key: number): void {
    const id = this.idByKey.get(key);
    if (id !== undefined) this.markStale(id);
    else this.forget();
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
    this.records.set(rec.id, Object.freeze({ ...rec, ...patch }));
    this.listed = null;
  }

  patchById(id: string, patch: Partial<InstanceRecord>): void {
    const key = this.records === null ? undefined : this.keyById.get(id);
    if (key === undefined) this.markStale(id);
    else this.patchByKey(key, () => patch);
  }

  /** Drops the copy (after a rollback: it may hold rows that were never committed). */
  forget(): void {
    this.records = null;
    this.keyById.clear();
    this.idByKey.clear();
    this.stale.clear();
    this.order = null;
    this.listed = null;
    this.dataVersion = null;
  }

  private sync(): Map<string, InstanceRecord> {
    const version = this.stmt.dataVersion.get() as number;
    if (this.records !== null && version !== this.dataVersion) this.forget();
    this.dataVersion = version;
    if (this.records === null) {
      const records = new Map<string, InstanceRecord>();
      for (const row of this.stmt.all.all() as InstanceRow[]) {
        records.set(row[1], toRecord(row));
        this.keyById.set(row[1], row[0]);
        this.idByKey.set(row[0], row[1]);
      }
      this.records = records;
      return records;
    }
    if (this.stale.size > 0) {
      for (const id of this.stale) {
        const row = this.stmt.one.get(id) as InstanceRow | undefined;
        if (row === undefined) {
          this.records.delete(id);
          this.order = null;
        } else {
          this.records.set(id, toRecord(row));
          this.keyById.set(id, row[0]);
          this.idByKey.set(row[0], id);
        }
      }
      this.stale.clear();
      this.listed = null;
    }
    return this.records;
  }
}
