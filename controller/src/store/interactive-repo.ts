// The latest interactive activity (terminal input, notebook kernels) each instance's agent reported: one row per
// instance, so a restarted controller still knows someone typed a minute ago. Written on the ingest path, so rows
// are rewritten only when something changed (or, for a busy kernel, every BUSY_REWRITE_MS): not once per batch.
import type { SqlDatabase } from './sql/sql-database';
import type { EvidenceStatus, InteractiveActivity } from '../domain/interactive';

interface Row {
  instance_id: string;
  reported_at: number;
  terminal_input_at: number | null;
  terminals: string;
  notebook_activity_at: number | null;
  notebook_busy: number;
  notebooks: string;
}

/** A busy kernel is activity "now": its report time is refreshed on disk at least this often. */
const BUSY_REWRITE_MS = 30_000;
/** Any report is refreshed on disk at least this often (explain shows its age). */
const REWRITE_MS = 5 * 60_000;

const status = (s: string): EvidenceStatus => (s === 'ok' || s === 'none' || s === 'not-read' ? s : 'unreadable');

export class InteractiveRepo {
  private readonly stmt;
  /** Newest report per instance id, loaded once; never older than the row on disk. */
  private readonly latest = new Map<string, InteractiveActivity>();
  /** What was last written per instance (cleared on rollback, which forces the next write). */
  private readonly written = new Map<string, InteractiveActivity>();

  constructor(db: SqlDatabase) {
    this.stmt = {
      upsert:
        db.prepare(`INSERT INTO interactive_activity (instance_id, reported_at, terminal_input_at, terminals, notebook_activity_at, notebook_busy, notebooks)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (instance_id) DO UPDATE SET reported_at = excluded.reported_at, terminal_input_at = excluded.terminal_input_at,
          terminals = excluded.terminals, notebook_activity_at = excluded.notebook_activity_at, notebook_busy = excluded.notebook_busy, notebooks = excluded.notebooks`),
      all: db.prepare('SELECT * FROM interactive_activity'),
    };
    this.reload();
  }

  /**
   * Reads every stored report, keeping the newer of it and what is known: at start, and each cycle on a database
   * other replicas write to (their agents' keyboards and notebooks count too).
   */
  reload(): void {
    for (const r of this.stmt.all.all() as Row[]) {
      const known = this.latest.get(r.instance_id);
      if (known !== undefined && known.reportedAt >= r.reported_at) continue;
      const a: InteractiveActivity = {
        reportedAt: r.reported_at,
        terminalInputAt: r.terminal_input_at,
        terminals: status(r.terminals),
        notebookActivityAt: r.notebook_activity_at,
        notebookBusy: r.notebook_busy === 1,
        notebooks: status(r.notebooks),
      };
      this.latest.set(r.instance_id, a);
      this.written.set(r.instance_id, a);
    }
  }

  /** Keeps `a` when it is newer than what is known (a replayed old batch does not roll the report back). */
  record(instanceId: string, a: InteractiveActivity): void {
    const prev = this.latest.get(instanceId);
    if (prev !== undefined && prev.reportedAt >= a.reportedAt) return;
    this.latest.set(instanceId, a);
    const w = this.written.get(instanceId);
    const same =
      w !== undefined &&
      w.terminalInputAt === a.terminalInputAt &&
      w.terminals === a.terminals &&
      w.notebookActivityAt === a.notebookActivityAt &&
      w.notebookBusy === a.notebookBusy &&
      w.notebooks === a.notebooks &&
      a.reportedAt - w.reportedAt < (a.notebookBusy ? BUSY_REWRITE_MS : REWRITE_MS);
    if (same) return;
    this.stmt.upsert.run(instanceId, a.reportedAt, a.terminalInputAt, a.terminals, a.notebookActivityAt, a.notebookBusy ? 1 : 0, a.notebooks);
    this.written.set(instanceId, a);
  }

  get(instanceId: string): InteractiveActivity | null {
    return this.latest.get(instanceId) ?? null;
  }

  /** A transaction rolled back: what we think is on disk may not be, so the next report of each instance is written. */
  forgetUnwritten(): void {
    this.written.clear();
  }
}
