// Builds the engine's inputs from what the store knows: instances with their holds, last action and delete warning.
import type { Contested, EngineInstance, LastAction, TeamPolicy } from '../engine';
import { loadAttributions } from '../owners/attributions';
import { holdActive } from '../domain/hold';
import type { ActionRecord, InstanceRecord, Store } from '../store';
import { falseAlarmsOf } from './false-alarm-log';

/** How far back the audit log is read for last actions and warnings, per instance. */
const ACTIONS_PER_INSTANCE = 20;

export function lastActionOf(actions: readonly ActionRecord[]): LastAction | null {
  const a = actions.find((x) => x.kind === 'pause' || x.kind === 'delete');
  return a ? { kind: a.kind as LastAction['kind'], status: a.status, at: a.createdAt } : null;
}

/** The newest delete warning that went out (or would have, in dry-run). The engine ignores one older than the inactive stretch. */
export function deleteWarnedAtOf(actions: readonly ActionRecord[], dryRun: boolean): number | null {
  const w = actions.find((x) => x.kind === 'warn' && (x.status === 'succeeded' || (dryRun && x.status === 'dry-run')));
  return w ? w.createdAt : null;
}

/** The newest pause warning that went out (or would have, in dry-run); the engine keeps it only for the current idle episode. */
export function pauseWarnedAtOf(actions: readonly ActionRecord[], dryRun: boolean): number | null {
  const w = actions.find((x) => x.kind === 'warn-pause' && (x.status === 'succeeded' || (dryRun && x.status === 'dry-run')));
  return w ? w.createdAt : null;
}

/** The newest hold, release or resume: a pause warning sent before it no longer counts (a new one is due). */
export function pauseWarningResetAtOf(actions: readonly ActionRecord[]): number | null {
  const a = actions.find((x) => x.kind === 'hold' || x.kind === 'release' || (x.kind === 'resume' && x.status === 'succeeded'));
  return a ? a.createdAt : null;
}

/** What the engine needs from the audit log and holds, read once per cycle for the whole fleet. */
export interface FleetContext {
  actionsByInstance: ReadonlyMap<string, ActionRecord[]>;
  holdUntil: ReadonlyMap<string, number>;
  /** The team default policy of each instance (absent: none); null when no team has one. */
  teamPolicy: ((rec: InstanceRecord) => TeamPolicy | null) | null;
}

/** Each instance's team default policy, or null when no team sets one (the common case: no attribution work). */
export function teamPolicies(store: Store): ((rec: InstanceRecord) => TeamPolicy | null) | null {
  const teams = new Map<string, TeamPolicy>();
  for (const t of store.directory.listTeams())
    if (t.idleMinutes !== null || t.noDelete) teams.set(t.name, { team: t.name, idleMinutes: t.idleMinutes, noDelete: t.noDelete });
  if (teams.size === 0) return null;
  const who = loadAttributions(store);
  return (rec) => {
    const team = who.of(rec).team;
    return team === null ? null : (teams.get(team) ?? null);
  };
}

/** Recent audit rows and active holds of every instance in two queries (not two per instance). */
export function fleetContext(store: Store, now: number): FleetContext {
  const actionsByInstance = new Map<string, ActionRecord[]>();
  // Newest first, the newest ACTIONS_PER_INSTANCE of each instance however busy the rest of the fleet's log is.
  for (const a of store.newestActionsPerInstance(ACTIONS_PER_INSTANCE)) {
    const list = actionsByInstance.get(a.instanceId);
    if (!list) actionsByInstance.set(a.instanceId, [a]);
    else if (list.length < ACTIONS_PER_INSTANCE) list.push(a);
  }
  const holdUntil = new Map<string, number>();
  for (const h of store.listHolds()) if (holdActive(h.until, now)) holdUntil.set(h.instanceId, h.until);
  return { actionsByInstance, holdUntil, teamPolicy: teamPolicies(store) };
}

/** `contested` is passed in rather than added by the caller: one object per instance, not a copy (10,000 a cycle). */
export function toEngineInstance(
  rec: InstanceRecord,
  store: Store,
  now: number,
  dryRun: boolean,
  ctx?: FleetContext,
  contested: Contested | null = null,
): EngineInstance {
  const actions = ctx ? (ctx.actionsByInstance.get(rec.id) ?? []) : store.listActions({ instanceId: rec.id, limit: ACTIONS_PER_INSTANCE });
  const holdUntil = ctx ? (ctx.holdUntil.get(rec.id) ?? null) : (store.activeHold(rec.id, now)?.until ?? null);
  return {
    id: rec.id,
    provider: rec.provider,
    providerId: rec.providerId,
    name: rec.name,
    state: rec.state,
    rawState: rec.rawState,
    gpuName: rec.gpuName,
    numGpus: rec.numGpus,
    pricePerHour: rec.pricePerHour,
    stoppedPricePerHour: rec.stoppedPricePerHour,
    createdAt: rec.createdAt,
    ssh: rec.ssh,
    labels: rec.labels,
    providerUtil: rec.providerUtil,
    holdUntil,
    deleteWarnedAt: deleteWarnedAtOf(actions, dryRun),
    lastAction: lastActionOf(actions),
    interactive: store.interactiveActivity(rec.id),
    pauseWarnedAt: pauseWarnedAtOf(actions, dryRun),
    pauseWarningResetAt: pauseWarningResetAtOf(actions),
    falseAlarms: falseAlarmsOf(actions),
    contested,
    teamPolicy: (ctx ? ctx.teamPolicy : teamPolicies(store))?.(rec) ?? null,
  };
}
