// The people directory (docs/owners.md): owners and teams, with where each came from (CLI/API or DIRECTORY_FILE).
import type { SqlDatabase } from './sql/sql-database';
import type { DirectorySource, OwnerEntry, TeamEntry } from '../owners/directory-entry';

interface OwnerRow {
  name: string;
  slack: string | null;
  email: string | null;
  team: string | null;
  source: string;
  updated_at: number;
}

interface TeamRow {
  name: string;
  webhook: string | null;
  monthly_budget: number | null;
  idle_minutes: number | null;
  no_delete: number;
  source: string;
  updated_at: number;
}

export type StoredOwner = OwnerEntry & { source: DirectorySource; updatedAt: number };
export type StoredTeam = TeamEntry & { source: DirectorySource; updatedAt: number };

const owner = (r: OwnerRow): StoredOwner => ({
  name: r.name,
  slack: r.slack,
  email: r.email,
  team: r.team,
  source: r.source === 'file' ? 'file' : 'api',
  updatedAt: r.updated_at,
});
const team = (r: TeamRow): StoredTeam => ({
  name: r.name,
  webhook: r.webhook,
  monthlyBudget: r.monthly_budget,
  idleMinutes: r.idle_minutes,
  noDelete: r.no_delete === 1,
  source: r.source === 'file' ? 'file' : 'api',
  updatedAt: r.updated_at,
});

export class DirectoryRepo {
  private readonly stmt;

  constructor(db: SqlDatabase) {
    this.stmt = {
      setOwner: db.prepare(`INSERT INTO owners (name, slack, email, team, source, updated_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET slack = excluded.slack, email = excluded.email, team = excluded.team,
          source = excluded.source, updated_at = excluded.updated_at`),
      getOwner: db.prepare('SELECT * FROM owners WHERE name = ?'),
      listOwners: db.prepare('SELECT * FROM owners ORDER BY name'),
      removeOwner: db.prepare('DELETE FROM owners WHERE name = ?'),
      setTeam: db.prepare(`INSERT INTO teams (name, webhook, monthly_budget, idle_minutes, no_delete, source, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET webhook = excluded.webhook, monthly_budget = excluded.monthly_budget,
          idle_minutes = excluded.idle_minutes, no_delete = excluded.no_delete, source = excluded.source, updated_at = excluded.updated_at`),
      getTeam: db.prepare('SELECT * FROM teams WHERE name = ?'),
      listTeams: db.prepare('SELECT * FROM teams ORDER BY name'),
      removeTeam: db.prepare('DELETE FROM teams WHERE name = ?'),
      setJoinTeam: db.prepare('UPDATE join_tokens SET team = ? WHERE id = ?'),
      joinTeam: db.prepare('SELECT team FROM join_tokens WHERE id = ?'),
      enrolled: db.prepare(`INSERT INTO enrolled_teams (instance_id, team, join_token_id, enrolled_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (instance_id) DO UPDATE SET team = excluded.team, join_token_id = excluded.join_token_id, enrolled_at = excluded.enrolled_at`),
      unenrolled: db.prepare('DELETE FROM enrolled_teams WHERE instance_id = ?'),
      enrolledAll: db.prepare('SELECT instance_id, team, join_token_id FROM enrolled_teams'),
    };
  }

  setOwner(e: OwnerEntry, source: DirectorySource, now: number): void {
    this.stmt.setOwner.run(e.name, e.slack, e.email, e.team, source, now);
  }

  getOwner(name: string): StoredOwner | null {
    const r = this.stmt.getOwner.get(name) as OwnerRow | undefined;
    return r === undefined ? null : owner(r);
  }

  listOwners(): StoredOwner[] {
    return (this.stmt.listOwners.all() as OwnerRow[]).map(owner);
  }

  removeOwner(name: string): boolean {
    return this.stmt.removeOwner.run(name).changes > 0;
  }

  setTeam(e: TeamEntry, source: DirectorySource, now: number): void {
    this.stmt.setTeam.run(e.name, e.webhook, e.monthlyBudget, e.idleMinutes, e.noDelete ? 1 : 0, source, now);
  }

  getTeam(name: string): StoredTeam | null {
    const r = this.stmt.getTeam.get(name) as TeamRow | undefined;
    return r === undefined ? null : team(r);
  }

  listTeams(): StoredTeam[] {
    return (this.stmt.listTeams.all() as TeamRow[]).map(team);
  }

  removeTeam(name: string): boolean {
    return this.stmt.removeTeam.run(name).changes > 0;
  }

  setJoinTokenTeam(joinTokenId: string, teamName: string | null): void {
    this.stmt.setJoinTeam.run(teamName, joinTokenId);
  }

  joinTokenTeam(joinTokenId: string): string | null {
    const r = this.stmt.joinTeam.get(joinTokenId) as { team: string | null } | undefined;
    return r?.team ?? null;
  }

  /** Records (or forgets, with team null) the team an instance got from the join token that enrolled it. */
  recordEnrolment(instanceId: string, teamName: string | null, joinTokenId: string, now: number): void {
    if (teamName === null) this.stmt.unenrolled.run(instanceId);
    else this.stmt.enrolled.run(instanceId, teamName, joinTokenId, now);
  }

  /** instance id -> { team, joinTokenId } for every instance a team's join token enrolled. */
  enrolledTeams(): Map<string, { team: string; joinTokenId: string }> {
    const out = new Map<string, { team: string; joinTokenId: string }>();
    for (const r of this.stmt.enrolledAll.all() as { instance_id: string; team: string; join_token_id: string }[])
      out.set(r.instance_id, { team: r.team, joinTokenId: r.join_token_id });
    return out;
  }
}
