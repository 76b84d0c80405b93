// The people directory's entries (owners and teams) and their validation, shared by the CLI, the HTTP API and
// DIRECTORY_FILE: one clear error line per bad field, never a throw. Pure.
import { parseDurationMinutes } from '../engine/instance-policy';

export interface OwnerEntry {
  name: string;
  /** Slack member id (U... or W...), for `<@U...>` mentions. */
  slack: string | null;
  email: string | null;
  team: string | null;
}

export interface TeamEntry {
  name: string;
  /** The team's own Slack-compatible incoming webhook. */
  webhook: string | null;
  /** USD per calendar month (UTC). */
  monthlyBudget: number | null;
  /** Default idle window in minutes for the team's instances; markers can lengthen it, never shorten it. */
  idleMinutes: number | null;
  /** Pause only, never delete, for the team's instances. */
  noDelete: boolean;
}

export type DirectorySource = 'api' | 'file';

/** Owner and team names: what fits in a `[owner=NAME]` marker and a Google Cloud label value. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** Slack member ids: U or W, then upper-case letters and digits (https://api.slack.com/changelog/2016-08-11-user-id-format-changes). */
const SLACK_RE = /^[UW][A-Z0-9]{2,20}$/;
/** A plain addr-spec (local@domain.tld), no display name, no spaces or angle brackets. */
const EMAIL_RE = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

export function nameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || !NAME_RE.test(name)) return 'a name is 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit';
  return null;
}

type Result<T> = { ok: true; value: T } | { ok: false; error: string };

const str = (v: unknown): string | null | undefined =>
  v === undefined ? undefined : v === null || v === '' ? null : typeof v === 'string' ? v.trim() : undefined;

/** Validates an owner's fields (absent fields are null). */
export function parseOwner(name: string, raw: Record<string, unknown>): Result<OwnerEntry> {
  const np = nameProblem(name);
  if (np !== null) return { ok: false, error: `owner "${String(name).slice(0, 80)}": ${np}` };
  for (const k of Object.keys(raw))
    if (!['slack', 'email', 'team', 'name'].includes(k)) return { ok: false, error: `owner ${name}: unknown field "${k.slice(0, 40)}" (slack, email, team)` };
  const slack = str(raw['slack']);
  const email = str(raw['email']);
  const team = str(raw['team']);
  if (slack === undefined && raw['slack'] !== undefined) return { ok: false, error: `owner ${name}: slack must be a string` };
  if (email === undefined && raw['email'] !== undefined) return { ok: false, error: `owner ${name}: email must be a string` };
  if (team === undefined && raw['team'] !== undefined) return { ok: false, error: `owner ${name}: team must be a string` };
  if (slack && !SLACK_RE.test(slack))
    return { ok: false, error: `owner ${name}: slack "${slack.slice(0, 40)}" is not a Slack member id (U... or W..., as in the profile's "Copy member ID")` };
  if (email && !EMAIL_RE.test(email)) return { ok: false, error: `owner ${name}: email "${email.slice(0, 80)}" is not an e-mail address` };
  if (team && nameProblem(team) !== null) return { ok: false, error: `owner ${name}: team "${team.slice(0, 80)}": ${nameProblem(team)}` };
  return { ok: true, value: { name, slack: slack ?? null, email: email ?? null, team: team ?? null } };
}

/** Validates a team's fields; `idle` accepts 2h, 90m, 1d (or minutes as a number). */
export function parseTeam(name: string, raw: Record<string, unknown>): Result<TeamEntry> {
  const np = nameProblem(name);
  if (np !== null) return { ok: false, error: `team "${String(name).slice(0, 80)}": ${np}` };
  for (const k of Object.keys(raw))
    if (!['webhook', 'monthlyBudget', 'budget', 'idle', 'noDelete', 'name'].includes(k))
      return { ok: false, error: `team ${name}: unknown field "${k.slice(0, 40)}" (webhook, monthlyBudget, idle, noDelete)` };
  const webhook = str(raw['webhook']);
  if (webhook === undefined && raw['webhook'] !== undefined) return { ok: false, error: `team ${name}: webhook must be a string` };
  if (webhook) {
    let u: URL | null = null;
    try {
      u = new URL(webhook);
    } catch {
      u = null;
    }
    if (u === null || (u.protocol !== 'https:' && u.protocol !== 'http:')) return { ok: false, error: `team ${name}: webhook is not an http(s) URL` };
  }
  const rawBudget = raw['monthlyBudget'] ?? raw['budget'];
  let monthlyBudget: number | null = null;
  if (rawBudget !== undefined && rawBudget !== null && rawBudget !== '') {
    const n = typeof rawBudget === 'number' ? rawBudget : typeof rawBudget === 'string' && /^\d+(\.\d+)?$/.test(rawBudget.trim()) ? Number(rawBudget) : NaN;
    if (!(Number.isFinite(n) && n > 0 && n < 1e9)) return { ok: false, error: `team ${name}: monthlyBudget must be a positive number of USD per month` };
    monthlyBudget = n;
  }
  let idleMinutes: number | null = null;
  const idle = raw['idle'];
  if (idle !== undefined && idle !== null && idle !== '') {
    const m = typeof idle === 'number' ? (idle > 0 ? idle : null) : typeof idle === 'string' ? parseDurationMinutes(idle) : null;
    if (m === null) return { ok: false, error: `team ${name}: idle must be a duration like 2h, 90m or 1d` };
    idleMinutes = m;
  }
  const nd = raw['noDelete'];
  if (nd !== undefined && nd !== null && typeof nd !== 'boolean') return { ok: false, error: `team ${name}: noDelete must be true or false` };
  return { ok: true, value: { name, webhook: webhook ?? null, monthlyBudget, idleMinutes, noDelete: nd === true } };
}
