// Who an instance belongs to (docs/owners.md): its owner and team, and where each came from, for messages, spend,
// budgets and explain. Best first: a marker on the instance (`[owner=NAME]`, `[team=NAME]` in a Vast.ai label or a
// TensorDock name; the labels cost-optimizer-owner / cost-optimizer-team on Google Cloud, whose label values cannot
// hold brackets), then the team of the join token that enrolled it, then the owner's team in the directory.
// Pure: parsed from the instance each time.
import type { ProviderInstance } from '../domain/instance';

export const OWNER_LABEL = 'cost-optimizer-owner';
export const TEAM_LABEL = 'cost-optimizer-team';

export interface Attribution {
  owner: string | null;
  /** e.g. `name "x [owner=alice]"`, `label cost-optimizer-owner=alice`. */
  ownerFrom: string | null;
  team: string | null;
  /** A marker, `join token <id>`, or `owner alice's team in the directory`. */
  teamFrom: string | null;
}

export const UNATTRIBUTED: Attribution = Object.freeze({ owner: null, ownerFrom: null, team: null, teamFrom: null });

const NAME = '([A-Za-z0-9][A-Za-z0-9._-]{0,62})';
const OWNER_RE = new RegExp(`\\[owner\\s*=\\s*${NAME}\\s*\\]`, 'i');
const TEAM_RE = new RegExp(`\\[team\\s*=\\s*${NAME}\\s*\\]`, 'i');
const LABEL_VALUE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

type Inst = Pick<ProviderInstance, 'name' | 'labels'>;

/** The owner and team the instance's own markers name (no directory, no join token). */
export function markerAttribution(inst: Inst): Attribution {
  const name = typeof inst.name === 'string' ? inst.name : '';
  const labels = inst.labels !== null && typeof inst.labels === 'object' ? inst.labels : {};
  const out: Attribution = { owner: null, ownerFrom: null, team: null, teamFrom: null };
  const scan = (text: string, from: string) => {
    if (!text.includes('[')) return;
    const o = out.owner === null ? OWNER_RE.exec(text) : null;
    if (o) {
      out.owner = o[1]!;
      out.ownerFrom = from;
    }
    const t = out.team === null ? TEAM_RE.exec(text) : null;
    if (t) {
      out.team = t[1]!;
      out.teamFrom = from;
    }
  };
  // Labels first (GCP's dedicated labels, then marker text in any label), then the name.
  for (const k in labels) {
    if (!Object.prototype.hasOwnProperty.call(labels, k)) continue;
    const v: unknown = labels[k];
    if (typeof v !== 'string') continue;
    const kl = k.toLowerCase();
    if (kl === OWNER_LABEL && out.owner === null && LABEL_VALUE.test(v)) {
      out.owner = v;
      out.ownerFrom = `label ${k}=${v}`;
    } else if (kl === TEAM_LABEL && out.team === null && LABEL_VALUE.test(v)) {
      out.team = v;
      out.teamFrom = `label ${k}=${v}`;
    }
  }
  for (const k in labels) {
    const v: unknown = labels[k];
    if (Object.prototype.hasOwnProperty.call(labels, k) && typeof v === 'string') scan(v, `label ${k}`);
  }
  scan(name, `name "${name}"`);
  return out;
}

export interface AttributionDirectory {
  /** The team the directory gives an owner, or null. */
  ownerTeam(owner: string): string | null;
}

/** The instance's owner and team: markers first, then the enrolling join token's team, then the owner's team. */
export function attribute(inst: Inst, enrolled: { team: string; joinTokenId: string } | null, dir: AttributionDirectory): Attribution {
  const m = markerAttribution(inst);
  if (m.team !== null) return m;
  if (enrolled) return { ...m, team: enrolled.team, teamFrom: `join token ${enrolled.joinTokenId} (token create --join --team ${enrolled.team})` };
  if (m.owner !== null) {
    const t = dir.ownerTeam(m.owner);
    if (t !== null) return { ...m, team: t, teamFrom: `owner ${m.owner}'s team in the directory` };
  }
  return m;
}

/** Lines for explain. */
export function attributionLines(a: Attribution): string[] {
  return [
    `owner: ${a.owner === null ? 'unknown (no [owner=NAME] marker)' : `${a.owner} (from ${a.ownerFrom})`}`,
    `team: ${a.team === null ? 'unknown (no [team=NAME] marker, team join token or owner with a team)' : `${a.team} (from ${a.teamFrom})`}`,
  ];
}
