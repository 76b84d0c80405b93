// Read-only looks into a controller's store from tests: its SQLite file (WAL lets a reader in while the daemon
// writes) or any open database with the same tables (a replica's PostgreSQL).
import Database from 'better-sqlite3';
import { dbPath } from '../../controller/src/store/open-db';

export interface RunSeqs {
  instanceId: string;
  runId: string;
  seqs: number[];
}

/** What storedSeqsIn needs of a database: better-sqlite3's prepare/all (PgDatabase has the same shape). */
export interface SeqReader {
  prepare(sql: string): { all(...params: never[]): unknown[] };
}

/** Every agent run's stored sequence numbers in an open database (SQLite or PostgreSQL), ascending. */
export function storedSeqsIn(db: SeqReader): RunSeqs[] {
  const rows = db
    .prepare(
      `SELECT i.id AS "instanceId", r.run_id AS "runId", s.seq AS seq FROM samples s
       JOIN agent_runs r ON r.key = s.run JOIN instances i ON i.key = s.inst ORDER BY i.id, r.run_id, s.seq`,
    )
    .all() as { instanceId: string; runId: string; seq: number }[];
  const out = new Map<string, RunSeqs>();
  for (const r of rows) {
    const k = `${r.instanceId} ${r.runId}`;
    let e = out.get(k);
    if (!e) out.set(k, (e = { instanceId: r.instanceId, runId: r.runId, seqs: [] }));
    e.seqs.push(r.seq);
  }
  return [...out.values()];
}

/** Every agent run's stored sequence numbers, ascending (duplicates would show up twice). */
export function storedSeqs(dataDir: string): RunSeqs[] {
  const db = new Database(dbPath(dataDir), { readonly: true, fileMustExist: true });
  try {
    return storedSeqsIn(db);
  } finally {
    db.close();
  }
}

/** True when seqs are exactly 1..n, each once. */
export function isContiguousFromOne(seqs: readonly number[]): boolean {
  return seqs.every((s, i) => s === i + 1);
}
