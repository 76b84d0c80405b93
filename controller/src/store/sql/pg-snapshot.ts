// A PostgreSQL snapshot as the replicas' readers use it (docs/scale-out.md): which transactions had ended when it was
// taken. A reader reads its snapshot before its rows, and next time reads only the rows of transactions that snapshot
// did not count as ended (running then, or begun since), so a transaction that commits late is never missed and one
// left open elsewhere on the server (an idle session) holds back nothing but its own rows.

/** Transactions below `xmax` had ended when it was taken, except those still `running`. */
export interface PgSnapshot {
  xmax: string;
  running: string[];
}

/** The statement that takes one (its text form, "xmin:xmax:xip,xip,..."). */
export const CURRENT_SNAPSHOT_SQL = 'SELECT CAST(pg_current_snapshot() AS TEXT)';

/** SQL for "written by a transaction `prev` did not count as ended, and before `upto`": 3 parameters (snapshotParams). */
export function writtenSince(column: string): string {
  return `(${column} >= CAST(? AS xid8) OR ${column} = ANY(CAST(? AS xid8[]))) AND ${column} < CAST(? AS xid8)`;
}

/** The parameters of writtenSince. */
export function snapshotParams(prev: PgSnapshot, upto: PgSnapshot): [string, string, string] {
  return [prev.xmax, `{${prev.running.join(',')}}`, upto.xmax];
}

export function parseSnapshot(text: string): PgSnapshot {
  const m = /^(\d+):(\d+):([\d,]*)$/.exec(text);
  if (m === null) throw new Error(`unexpected snapshot from PostgreSQL: ${text.slice(0, 100)}`);
  return { xmax: m[2]!, running: m[3] === '' ? [] : m[3]!.split(',') };
}

/**
 * Whether a row written by a transaction may be read again after `s` (its transaction had not ended, or began later):
 * made once per snapshot for many rows, each transaction id as PostgreSQL's text.
 */
export function mayComeBackAfter(s: PgSnapshot): (xid: string) => boolean {
  const xmax = BigInt(s.xmax);
  const running = new Set(s.running);
  return (xid) => running.has(xid) || BigInt(xid) >= xmax;
}
