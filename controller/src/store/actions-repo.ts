// The audit log of decisions and actions. decision_key is unique: inserting the same decision twice returns the
// first record instead of a second one, which is what makes the executor idempotent across crashes.
import type { SqlDatabase } from './sql/sql-database';
import type { ActionActor, ActionKind, ActionRecord, ActionStatus, NewAction } from './types';

interface ActionRow {
  id: number;
  instance_id: string;
  kind: string;
  status: string;
  reason: string;
  figures: string;
  decision_key: string | null;
  actor: string | null;
  lease_epoch: number | null;
  created_at: number;
  updated_at: number;
}

function toRecord(r: ActionRow): ActionRecord {
  let figures: Record<string, unknown> = {};
  try {
    figures = JSON.parse(r.figures) as Record<string, unknown>;
  } catch {
    // Written by us as JSON; an unreadable value is shown as empty rather than failing the whole audit listing.
  }
  return {
    id: r.id,
    instanceId: r.instance_id,
    kind: r.kind as ActionKind,
    status: r.status as ActionStatus,
    reason: r.reason,
    figures,
    decisionKey: r.decision_key,
    actor: (r.actor ?? 'controller') as ActionActor,
    leaseEpoch: r.lease_epoch ?? null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The most rows one `list` page returns. */
export const MAX_ACTIONS_PAGE = 10_000;

export interface ActionQuery {
  instanceId?: string;
  /** Only ids below this (paging backwards); newest first. */
  beforeId?: number;
  limit?: number;
  /** Only these kinds (default: all). */
  kinds?: readonly ActionKind[];
}

export interface ActionUpdate {
  status: ActionStatus;
  reason?: string;
  /** Merged into the stored figures. */
  figures?: Record<string, unknown>;
  /**
   * Written only while the row is still this lease epoch's (null: a row of a lone controller's): a leader that lost
   * the row to a newer one never overwrites what that one recorded. Absent: unconditional.
   */
  ifEpoch?: number | null;
}

export class ActionsRepo {
  private readonly stmt;

  constructor(db: SqlDatabase) {
    this.stmt = {
      insert: db.prepare(`INSERT INTO actions (instance_id, kind, status, reason, figures, decision_key, actor, lease_epoch, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      byId: db.prepare('SELECT * FROM actions WHERE id = ?'),
      byKey: db.prepare('SELECT * FROM actions WHERE decision_key = ?'),
      update: db.prepare('UPDATE actions SET status = ?, reason = ?, figures = ?, updated_at = ? WHERE id = ?'),
      updateIf: db.prepare(
        `UPDATE actions SET status = ?, reason = ?, figures = ?, updated_at = ? WHERE id = ? AND (lease_epoch = CAST(? AS INTEGER) OR (lease_epoch IS NULL AND CAST(? AS INTEGER) IS NULL))`,
      ),
      // Compare and set: only a row still `planned` (or `failed`, to be planned again) under the epoch its reader saw
      // (NULL for a row of a lone controller or of a version before lease epochs) changes hands, and only to a newer
      // epoch: a replica that lost the lease can never take a row from the one that holds it now.
      claim: db.prepare(`UPDATE actions SET lease_epoch = ? WHERE id = ? AND status IN ('planned', 'failed')
        AND (lease_epoch = CAST(? AS INTEGER) OR (lease_epoch IS NULL AND CAST(? AS INTEGER) IS NULL))
        AND (lease_epoch IS NULL OR lease_epoch < ?)`),
      // The casts give PostgreSQL a type for a parameter that is only tested for NULL; SQLite ignores them.
      list: db.prepare(`SELECT * FROM actions WHERE (CAST(@instanceId AS TEXT) IS NULL OR instance_id = @instanceId)
        AND (CAST(@beforeId AS INTEGER) IS NULL OR id < @beforeId)
        AND (CAST(@kinds AS TEXT) IS NULL OR kind IN (SELECT value FROM json_each(@kinds)))
        ORDER BY id DESC LIMIT @limit`),
      allSucceeded: db.prepare(`SELECT * FROM actions WHERE status = 'succeeded' AND kind IN (SELECT value FROM json_each(@kinds)) ORDER BY id`),
      allWithStatus: db.prepare('SELECT * FROM actions WHERE status = ? ORDER BY id'),
      // The status written out, not a parameter: only then may SQLite and PostgreSQL's generic plan use the partial
      // index actions_planned (migration 12), which the per-cycle look for interrupted rows relies on.
      allPlanned: db.prepare("SELECT * FROM actions WHERE status = 'planned' ORDER BY id"),
      newestPerInstance: db.prepare(`SELECT * FROM (
          SELECT *, ROW_NUMBER() OVER (PARTITION BY instance_id ORDER BY id DESC) AS rn FROM actions
        ) AS ranked WHERE rn <= ? ORDER BY id DESC`),
    };
  }

  /** Records an action; with a decisionKey already present, returns the existing record and created = false. */
  insert(a: NewAction, now: number): { record: ActionRecord; created: boolean } {
    const key = a.decisionKey ?? null;
    if (key !== null) {
      const existing = this.getByDecisionKey(key);
      if (existing !== null) return { record: existing, created: false };
    }
    const info = this.stmt.insert.run(
      a.instanceId,
      a.kind,
      a.status,
      a.reason,
      JSON.stringify(a.figures ?? {}),
      key,
      a.actor ?? 'controller',
      a.leaseEpoch ?? null,
      now,
      now,
    );
    return { record: this.get(Number(info.lastInsertRowid))!, created: true };
  }

  get(id: number): ActionRecord | null {
    const row = this.stmt.byId.get(id) as ActionRow | undefined;
    return row === undefined ? null : toRecord(row);
  }

  getByDecisionKey(key: string): ActionRecord | null {
    const row = this.stmt.byKey.get(key) as ActionRow | undefined;
    return row === undefined ? null : toRecord(row);
  }

  /** Returns the updated record, or null when there is no such action (or, with `ifEpoch`, it is another epoch's). */
  update(id: number, u: ActionUpdate, now: number): ActionRecord | null {
    const current = this.get(id);
    if (current === null) return null;
    const figures = u.figures === undefined ? current.figures : { ...current.figures, ...u.figures };
    const values = [u.status, u.reason ?? current.reason, JSON.stringify(figures), now, id] as const;
    if (u.ifEpoch === undefined) this.stmt.update.run(...values);
    else if (this.stmt.updateIf.run(...values, u.ifEpoch, u.ifEpoch).changes === 0) return null;
    return this.get(id);
  }

  /**
   * Moves a `planned` or `failed` row from the lease epoch `from` (as read) to the newer `to`; false when it was
   * settled or taken since, or `to` is not newer.
   */
  claim(id: number, from: number | null, to: number): boolean {
    return this.stmt.claim.run(to, id, from, from, to).changes === 1;
  }

  /** One page, newest first: at most `MAX_ACTIONS_PAGE` rows (the API and the CLI page with `beforeId`). */
  list(q: ActionQuery = {}): ActionRecord[] {
    const limit = Math.max(1, Math.min(MAX_ACTIONS_PAGE, Math.floor(q.limit ?? 100)));
    const kinds = q.kinds === undefined ? null : JSON.stringify(q.kinds);
    return (this.stmt.list.all({ instanceId: q.instanceId ?? null, beforeId: q.beforeId ?? null, limit, kinds }) as ActionRow[]).map(toRecord);
  }

  /** Every succeeded row of these kinds, oldest first: unbounded on purpose (savings count every pause ever made). */
  allSucceeded(kinds: readonly ActionKind[]): ActionRecord[] {
    return (this.stmt.allSucceeded.all({ kinds: JSON.stringify(kinds) }) as ActionRow[]).map(toRecord);
  }

  /** Every row with this status, oldest first (crash recovery reads every `planned` row). */
  allWithStatus(status: ActionStatus): ActionRecord[] {
    const rows = status === 'planned' ? this.stmt.allPlanned.all() : this.stmt.allWithStatus.all(status);
    return (rows as ActionRow[]).map(toRecord);
  }

  /** The newest `perInstance` rows of every instance, newest first: bounded per instance, never across the fleet. */
  newestPerInstance(perInstance: number): ActionRecord[] {
    return (this.stmt.newestPerInstance.all(Math.max(1, Math.floor(perInstance))) as ActionRow[]).map(toRecord);
  }
}
