// Per-instance policy from the instance's own name or labels, set where the team already names its instances:
// - a longer idle window: `[idle=2h]` (also `90m`, `1.5h`, `1d`) in a Vast.ai label or TensorDock name; on Google
//   Cloud (whose label values cannot hold brackets) the label `cost-optimizer-idle=2h`;
// - pause, never delete: `[no-delete]`; on Google Cloud the label `cost-optimizer-no-delete=true`.
// A per-instance window may only LENGTHEN the global PAUSE_WINDOW_MINUTES, never shorten it: a shorter or unreadable
// marker is ignored with a line saying why (shown by explain), never an error and never a shorter window.
// Pure: parsed from the instance each time (cheap: a regex over the name and the label values).
import type { ProviderInstance } from '../domain/instance';

export const IDLE_LABEL = 'cost-optimizer-idle';
export const NO_DELETE_LABEL = 'cost-optimizer-no-delete';
const TRUE_VALUES = new Set(['true', '1', 'yes', 'on']);
/** A per-instance window longer than this is not a window any more: use [protect] or a hold. */
const MAX_IDLE_MINUTES = 30 * 24 * 60;

/** The default policy of an instance's team (`team set NAME --idle 2h --no-delete`, docs/owners.md). */
export interface TeamPolicy {
  team: string;
  idleMinutes: number | null;
  noDelete: boolean;
}

export interface InstancePolicy {
  /** The instance's own idle window in minutes, already at least the global one; null when the global one applies. */
  idleMinutes: number | null;
  /** Where idleMinutes came from, e.g. `name "x [idle=2h]"` or `label cost-optimizer-idle=2h`. */
  idleFrom: string | null;
  /** Pause only, never delete. */
  noDelete: boolean;
  noDeleteFrom: string | null;
  /** Markers found but not used, each with the reason (for explain and the dashboard). */
  ignored: string[];
}

const NONE: InstancePolicy = Object.freeze({
  idleMinutes: null,
  idleFrom: null,
  noDelete: false,
  noDeleteFrom: null,
  ignored: Object.freeze([]) as unknown as string[],
});

const IDLE_RE = /\[idle\s*=\s*([^\]]*)\]/i;
const NO_DELETE_RE = /\[no-delete\]/i;

/** `2h`, `90m`, `1.5h`, `1d`, `45` (minutes) -> minutes; null when unreadable. */
export function parseDurationMinutes(raw: string): number | null {
  const m = /^\s*(\d{1,6}(?:\.\d{1,3})?)\s*(m|min|h|d)?\s*$/i.exec(raw);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'm').toLowerCase();
  const minutes = unit === 'd' ? n * 1440 : unit === 'h' ? n * 60 : n;
  return Number.isFinite(minutes) && minutes > 0 ? minutes : null;
}

type Inst = Pick<ProviderInstance, 'name' | 'labels'>;

/** The policy of one instance under the global window (minutes). */
export function instancePolicy(inst: Inst, globalWindowMinutes: number, team: TeamPolicy | null = null): InstancePolicy {
  if (team !== null && (team.noDelete || (team.idleMinutes !== null && team.idleMinutes > globalWindowMinutes)))
    return withTeam(inst, globalWindowMinutes, team);
  const name = typeof inst.name === 'string' ? inst.name : '';
  const labels = inst.labels !== null && typeof inst.labels === 'object' ? inst.labels : {};
  // Fast path: most instances carry no marker at all.
  const hasNameMarker = name.includes('[');
  let hasLabel = false;
  for (const k in labels) {
    if (!Object.prototype.hasOwnProperty.call(labels, k)) continue;
    const v: unknown = labels[k];
    const kl = k.toLowerCase();
    if (kl === IDLE_LABEL || kl === NO_DELETE_LABEL || (typeof v === 'string' && v.includes('['))) hasLabel = true;
  }
  if (!hasNameMarker && !hasLabel) return NONE;

  const out: InstancePolicy = { idleMinutes: null, idleFrom: null, noDelete: false, noDeleteFrom: null, ignored: [] };
  const idleCandidates: { raw: string; from: string }[] = [];
  const scan = (text: string, from: string) => {
    const idle = IDLE_RE.exec(text);
    if (idle) idleCandidates.push({ raw: idle[1]!, from });
    if (NO_DELETE_RE.test(text) && !out.noDelete) {
      out.noDelete = true;
      out.noDeleteFrom = from;
    }
  };
  if (hasNameMarker) scan(name, `name "${name}"`);
  for (const k in labels) {
    if (!Object.prototype.hasOwnProperty.call(labels, k)) continue;
    const v: unknown = labels[k];
    if (typeof v !== 'string') continue;
    const kl = k.toLowerCase();
    if (kl === IDLE_LABEL) idleCandidates.push({ raw: v, from: `label ${k}=${v}` });
    else if (kl === NO_DELETE_LABEL) {
      if (TRUE_VALUES.has(v.trim().toLowerCase())) {
        if (!out.noDelete) {
          out.noDelete = true;
          out.noDeleteFrom = `label ${k}=${v}`;
        }
      } else out.ignored.push(`label ${k}=${v}: not true/false-like (true, 1, yes, on): ignored`);
    } else if (v.includes('[')) scan(v, `label ${k}`);
  }
  for (const c of idleCandidates) {
    const minutes = parseDurationMinutes(c.raw);
    if (minutes === null) out.ignored.push(`${c.from}: idle window "${c.raw}" is not a duration like 2h, 90m or 1d: ignored`);
    else if (minutes > MAX_IDLE_MINUTES) out.ignored.push(`${c.from}: idle window ${c.raw} is longer than 30 days: ignored (use [protect] or a hold)`);
    else if (minutes <= globalWindowMinutes) {
      out.ignored.push(
        `${c.from}: idle window ${c.raw} is not longer than the global ${globalWindowMinutes} min: ignored (a per-instance window can only lengthen it)`,
      );
    } else if (out.idleMinutes === null || minutes > out.idleMinutes) {
      // Two markers: the longer one wins (the safer).
      out.idleMinutes = minutes;
      out.idleFrom = c.from;
    }
  }
  return out;
}

/**
 * A team's default policy under the instance's own markers: the team's window is the floor a marker can lengthen but
 * never shorten (the longer wins; a shorter marker is ignored with the reason), and the team's pause-only holds.
 */
function withTeam(inst: Inst, globalWindowMinutes: number, team: TeamPolicy): InstancePolicy {
  const teamWindow = team.idleMinutes !== null && team.idleMinutes > globalWindowMinutes ? Math.min(team.idleMinutes, MAX_IDLE_MINUTES) : null;
  const own = instancePolicy(inst, teamWindow ?? globalWindowMinutes);
  const out: InstancePolicy = { ...own, ignored: [...own.ignored] };
  if (teamWindow !== null && own.idleMinutes === null) {
    out.idleMinutes = teamWindow;
    out.idleFrom = `team ${team.team}'s default`;
    // The marker lines say "not longer than the global N min": here that floor is the team's window.
    out.ignored = out.ignored.map((l) => l.replace(`the global ${teamWindow} min`, `team ${team.team}'s ${teamWindow} min`));
  }
  if (team.noDelete && !out.noDelete) {
    out.noDelete = true;
    out.noDeleteFrom = `team ${team.team}'s default`;
  }
  return out;
}

/** Short lines for the dashboard's policy column and explain; empty for the default policy. */
export function policyLines(p: InstancePolicy): string[] {
  const out: string[] = [];
  if (p.idleMinutes !== null)
    out.push(`idle window ${p.idleMinutes >= 120 ? `${+(p.idleMinutes / 60).toFixed(2)} h` : `${p.idleMinutes} min`} (${p.idleFrom})`);
  if (p.noDelete) out.push(`pause only, never delete (${p.noDeleteFrom})`);
  for (const i of p.ignored) out.push(`ignored: ${i}`);
  return out;
}
