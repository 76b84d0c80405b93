// Setting and removing directory entries through the CLI and the API: the given fields are merged over the stored
// entry (absent: kept; null or "": cleared), validated, and written. A name DIRECTORY_FILE lists is the file's: the
// file wins for it (docs/owners.md), so a change by CLI or API is refused with a line saying where to change it.
import type { Store } from '../store';
import type { StoredOwner, StoredTeam } from '../store/directory-repo';
import { parseOwner, parseTeam } from './directory-entry';

export type SetResult<T> = { ok: true; value: T; created: boolean } | { ok: false; error: string; status: 400 | 409 };

const FILE_WINS = (kind: string, name: string) =>
  `${kind} ${name} comes from DIRECTORY_FILE, which wins for the names it lists: change it there (then SIGHUP or restart)`;

export function setOwner(store: Store, name: string, fields: Record<string, unknown>, now: number): SetResult<StoredOwner> {
  const old = store.directory.getOwner(name);
  if (old?.source === 'file') return { ok: false, error: FILE_WINS('owner', name), status: 409 };
  const merged = { slack: old?.slack ?? null, email: old?.email ?? null, team: old?.team ?? null, ...fields };
  const parsed = parseOwner(name, merged);
  if (!parsed.ok) return { ok: false, error: parsed.error, status: 400 };
  store.directory.setOwner(parsed.value, 'api', now);
  return { ok: true, value: store.directory.getOwner(name)!, created: old === null };
}

export function setTeam(store: Store, name: string, fields: Record<string, unknown>, now: number): SetResult<StoredTeam> {
  const old = store.directory.getTeam(name);
  if (old?.source === 'file') return { ok: false, error: FILE_WINS('team', name), status: 409 };
  const merged = {
    webhook: old?.webhook ?? null,
    monthlyBudget: old?.monthlyBudget ?? null,
    idle: old?.idleMinutes ?? null,
    noDelete: old?.noDelete ?? false,
    ...fields,
  };
  const parsed = parseTeam(name, merged);
  if (!parsed.ok) return { ok: false, error: parsed.error, status: 400 };
  store.directory.setTeam(parsed.value, 'api', now);
  return { ok: true, value: store.directory.getTeam(name)!, created: old === null };
}

/** The JSON of an owner (GET /api/owners/:name, owner list --json). */
export const ownerJson = (o: StoredOwner) => ({ name: o.name, slack: o.slack, email: o.email, team: o.team, source: o.source });

/** The JSON of a team; the webhook's path is a secret (Slack's carry the token): only its origin is shown. */
export const teamJson = (t: StoredTeam) => ({
  name: t.name,
  webhook: t.webhook === null ? null : `${new URL(t.webhook).origin}/…`,
  monthlyBudget: t.monthlyBudget,
  idleMinutes: t.idleMinutes,
  noDelete: t.noDelete,
  source: t.source,
});
