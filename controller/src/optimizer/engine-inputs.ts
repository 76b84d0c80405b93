// Builds the engine's inputs from what the store knows: instances with their holds, last action and delete warning.
import type { Contested, EngineInstance, FalseAlarm, LastAction, TeamPolicy } from '../engine';
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

/**
 * The record fields an EngineInstance carries as they are (objects among them compared by identity: a row read again
 * is new). sameRecordFields compares each; engine-inputs.test.ts checks that a change of any one is seen.
 */
export const RECORD_KEYS = [
  'id',
  'provider',
  'providerId',
  'name',
  'state',
  'rawState',
  'gpuName',
  'numGpus',
  'pricePerHour',
  'stoppedPricePerHour',
  'createdAt',
  'ssh',
  'labels',
  'providerUtil',
] as const satisfies readonly (keyof InstanceRecord & keyof EngineInstance)[];

/** The EngineInstance fields made from the audit log, holds, agents and teams rather than copied from the record. */
export const CONTEXT_KEYS = [
  'holdUntil',
  'deleteWarnedAt',
  'lastAction',
  'interactive',
  'pauseWarnedAt',
  'pauseWarningResetAt',
  'falseAlarms',
  'contested',
  'teamPolicy',
] as const satisfies readonly (keyof EngineInstance)[];

const NO_ACTIONS: readonly ActionRecord[] = Object.freeze([]);
const NO_FALSE_ALARMS: readonly FalseAlarm[] = Object.freeze([]);

/**
 * `contested` is passed in rather than added by the caller: one object per instance, not a copy (10,000 a cycle).
 * `previous`: the instance's EngineInstance of the last cycle, returned as it is when every field would be the same
 * (compared field by field, RECORD_KEYS and CONTEXT_KEYS): the cycle keeps its decisions' inputs until the next one,
 * so a new object per instance per cycle is work for the garbage collector twice. Any difference builds a new one.
 */
export function toEngineInstance(
  rec: InstanceRecord,
  store: Store,
  now: number,
  dryRun: boolean,
  ctx?: FleetContext,
  contested: Contested | null = null,
  previous: EngineInstance | null = null,
): EngineInstance {
  const actions = ctx ? (ctx.actionsByInstance.get(rec.id) ?? NO_ACTIONS) : store.listActions({ instanceId: rec.id, limit: ACTIONS_PER_INSTANCE });
  const holdUntil = ctx ? (ctx.holdUntil.get(rec.id) ?? null) : (store.activeHold(rec.id, now)?.until ?? null);
  const deleteWarnedAt = deleteWarnedAtOf(actions, dryRun);
  const lastAction = lastActionOf(actions);
  const interactive = store.interactiveActivity(rec.id);
  const pauseWarnedAt = pauseWarnedAtOf(actions, dryRun);
  const pauseWarningResetAt = pauseWarningResetAtOf(actions);
  const falseAlarms = actions.length === 0 ? NO_FALSE_ALARMS : falseAlarmsOf(actions);
  const teamPolicy = (ctx ? ctx.teamPolicy : teamPolicies(store))?.(rec) ?? null;
  if (
    previous !== null &&
    sameRecordFields(previous, rec) &&
    previous.holdUntil === holdUntil &&
    previous.deleteWarnedAt === deleteWarnedAt &&
    sameLastAction(previous.lastAction, lastAction) &&
    previous.interactive === interactive &&
    previous.pauseWarnedAt === pauseWarnedAt &&
    previous.pauseWarningResetAt === pauseWarningResetAt &&
    sameFalseAlarms(previous.falseAlarms, falseAlarms) &&
    previous.contested === contested &&
    sameTeamPolicy(previous.teamPolicy, teamPolicy)
  )
    return previous;
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
    deleteWarnedAt,
    lastAction,
    interactive,
    pauseWarnedAt,
    pauseWarningResetAt,
    falseAlarms,
    contested,
    teamPolicy,
  };
}

/** RECORD_KEYS one by one (written out: a loop over the key names costs more than building the instance). */
function sameRecordFields(prev: EngineInstance, rec: InstanceRecord): boolean {
  return (
    prev.id === rec.id &&
    prev.provider === rec.provider &&
    prev.providerId === rec.providerId &&
    prev.name === rec.name &&
    prev.state === rec.state &&
    prev.rawState === rec.rawState &&
    prev.gpuName === rec.gpuName &&
    prev.numGpus === rec.numGpus &&
    prev.pricePerHour === rec.pricePerHour &&
    prev.stoppedPricePerHour === rec.stoppedPricePerHour &&
    prev.createdAt === rec.createdAt &&
    prev.ssh === rec.ssh &&
    prev.labels === rec.labels &&
    prev.providerUtil === rec.providerUtil
  );
}

function sameLastAction(a: LastAction | null | undefined, b: LastAction | null): boolean {
  if (a === undefined || a === null || b === null) return (a ?? null) === b;
  return a.kind === b.kind && a.status === b.status && a.at === b.at;
}

function sameFalseAlarms(a: readonly FalseAlarm[] | null | undefined, b: readonly FalseAlarm[]): boolean {
  if (a === b) return true;
  if (a === undefined || a === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.at !== b[i]!.at || a[i]!.idleMs !== b[i]!.idleMs) return false;
  return true;
}

function sameTeamPolicy(a: TeamPolicy | null | undefined, b: TeamPolicy | null): boolean {
  if (a === undefined || a === null || b === null) return (a ?? null) === b;
  return a.team === b.team && a.idleMinutes === b.idleMinutes && a.noDelete === b.noDelete;
}
