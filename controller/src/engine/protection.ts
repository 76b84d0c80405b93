// Which instances are never touched: the PROTECTED_INSTANCES list, the provider-side marker, and holds.
//
// Provider-side marker, one convention per provider (the README documents it):
// - Vast.ai: the instance label (our `name`) contains `[protect]`, e.g. `train-llama [protect]`. The label is Vast's only
//   free-text field and users set it in the console or with `PUT /api/v0/instances/{id}/ {"label": ...}`.
// - TensorDock: the instance name contains `[protect]` (TensorDock has no labels/tags).
// - Google Cloud: the label `cost-optimizer-protect=true`. GCP names and label values allow only [a-z0-9_-], so the
//   bracket form is impossible there; labels are GCP's own way to tag a VM.
// - manual hosts: the name contains `[protect]`.
// The check is the union for every provider (a `[protect]` in any name or label value, or the GCP label anywhere):
// a marker that an adapter happens to map elsewhere still protects. Matching is case-insensitive. Protecting too much
// costs money; protecting too little destroys work.
import type { EngineConfig } from '../config/config';
import type { ProviderInstance } from '../domain/instance';
import { holdActive } from '../domain/hold';

export const PROTECT_MARKER = '[protect]';
export const PROTECT_LABEL = 'cost-optimizer-protect';
const TRUE_VALUES = new Set(['true', '1', 'yes', 'on']);

export interface Protection {
  by: 'config' | 'marker' | 'hold';
  /** One human line, e.g. `PROTECTED_INSTANCES lists "trainer-1"`. */
  detail: string;
  /** For a hold: when it ends. */
  until: number | null;
}

type Inst = Pick<ProviderInstance, 'id' | 'providerId' | 'name' | 'labels'>;

/** True when the instance carries its provider's protection marker (see the top of this file). */
export function isProtectedByMarker(inst: Inst): boolean {
  return markerDetail(inst) !== null;
}

const MARKER_RE = /\[protect\]/i;

function markerDetail(inst: Inst): string | null {
  if (typeof inst.name === 'string' && MARKER_RE.test(inst.name)) return `name "${inst.name}" contains ${PROTECT_MARKER}`;
  const labels = inst.labels;
  if (labels === null || typeof labels !== 'object') return null;
  for (const k in labels) {
    if (!Object.prototype.hasOwnProperty.call(labels, k)) continue;
    const v: unknown = labels[k];
    if (typeof v !== 'string') continue;
    if (k.toLowerCase() === PROTECT_LABEL && TRUE_VALUES.has(v.trim().toLowerCase())) return `label ${PROTECT_LABEL}=${v}`;
    if (MARKER_RE.test(v)) return `label ${k} contains ${PROTECT_MARKER}`;
  }
  return null;
}

/** The PROTECTED_INSTANCES entry matching the instance's id, provider id or name (trimmed, case-insensitive), or null. */
export function configProtectionEntry(inst: Inst, list: readonly string[]): string | null {
  if (list.length === 0) return null;
  const keys = [inst.id, inst.providerId, inst.name].filter((k): k is string => typeof k === 'string' && k.trim() !== '').map((k) => k.trim().toLowerCase());
  for (const entry of list) {
    if (keys.includes(entry.trim().toLowerCase())) return entry;
  }
  return null;
}

const NONE: readonly Protection[] = Object.freeze([]);

/** Every protection that applies now (empty when none). A hold counts while it is active (domain/hold.ts). */
export function protectionsOf(
  inst: Inst,
  holdUntil: number | null | undefined,
  cfg: Pick<EngineConfig, 'protectedInstances'>,
  now: number,
): readonly Protection[] {
  const entry = configProtectionEntry(inst, cfg.protectedInstances);
  const marker = markerDetail(inst);
  const held = holdUntil !== null && holdUntil !== undefined && holdActive(holdUntil, now);
  if (entry === null && marker === null && !held) return NONE; // the common case allocates nothing
  const out: Protection[] = [];
  if (entry !== null) out.push({ by: 'config', detail: `PROTECTED_INSTANCES lists "${entry}"`, until: null });
  if (marker !== null) out.push({ by: 'marker', detail: `provider-side marker: ${marker}`, until: null });
  if (held && holdUntil !== null && holdUntil !== undefined) {
    // A hold whose end is not a number is treated as holding: bad input never removes a protection.
    out.push({ by: 'hold', detail: `held until ${Number.isFinite(holdUntil) ? new Date(holdUntil).toISOString() : 'further notice'}`, until: holdUntil });
  }
  return out;
}
