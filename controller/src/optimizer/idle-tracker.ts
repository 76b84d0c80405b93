// Keeps every instance's engine IdleState in memory, updated incrementally as samples commit, and persisted each cycle.
// After a restart the stored states are loaded and the samples committed after each state's last update are replayed,
// so a crash between a sample's commit and the state's save never loses a busy reading.
// Only states that changed since they were last saved are written: an inventory reading that changes nothing (a
// stopped instance seen stopped again) leaves the state as it is (engine/observe-inventory.ts) and does not make it dirty.
import type { EngineConfig } from '../config/config';
import type { ProviderInstance } from '../domain/instance';
import type { SampleSummary } from '../domain/sample';
import { type IdleState, observeInventory, observeSample, parseIdleState } from '../engine';
import type { Logger } from '../log';
import type { Store } from '../store';

export class IdleTracker {
  private readonly states = new Map<string, IdleState>();
  private readonly dirty = new Set<string>();
  /** Changed by an inventory transition (running <-> stopped...): samples cannot rebuild these, so they are saved every cycle. */
  private readonly urgent = new Set<string>();
  /** Last agent-sourced sample end per instance: who has a live agent (SSH target selection, silence alerts). */
  readonly agentLastSeen = new Map<string, number>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: Store,
    private readonly cfg: EngineConfig,
    private readonly logger: Logger,
  ) {
    // Replicas sharing PostgreSQL each store samples: the leader reads them all back from the store instead
    // (replicas/store-sample-feed.ts), so this process's own commits must not be folded in twice.
    this.unsubscribe = store.shared ? () => {} : store.onSamplesCommitted((id, summaries) => this.observe(id, summaries));
  }

  /** Loads stored states and replays the samples they have not seen yet. Call once at start-up. */
  load(now: number): void {
    const stored = this.store.allIdleStates();
    let replayed = 0;
    for (const rec of this.store.listInstances()) {
      const raw = stored.get(rec.id);
      let st: IdleState | null = null;
      if (raw !== undefined && raw !== null) {
        st = parseIdleState(raw);
        if (st === null) this.logger.warn(`idle state of ${rec.id} is unreadable; starting it afresh (this only delays actions)`);
      }
      // Replay from the oldest track end (or a window back): later samples were committed after the last save.
      const ends = st
        ? Object.values(st.tracks)
            .map((t) => t?.lastEnd ?? null)
            .filter((x): x is number => x !== null)
        : [];
      const since = ends.length ? Math.min(...ends) : now - this.cfg.pauseWindowMinutes * 60_000 * 2;
      for (const s of this.store.recentSamples(rec.id, since)) {
        st = observeSample(st, s, this.cfg);
        replayed++;
        if (s.source === 'agent') this.agentLastSeen.set(rec.id, Math.max(this.agentLastSeen.get(rec.id) ?? 0, s.t1));
      }
      if (rec.metricSource === 'agent' && rec.lastSampleAt !== null && !this.agentLastSeen.has(rec.id)) this.agentLastSeen.set(rec.id, rec.lastSampleAt);
      if (st) {
        this.states.set(rec.id, st);
        this.dirty.add(rec.id);
      }
    }
    this.logger.info(`idle tracker: ${this.states.size} instance states loaded, ${replayed} samples replayed`);
  }

  observe(instanceId: string, summaries: readonly SampleSummary[]): void {
    const before = this.states.get(instanceId) ?? null;
    let st = before;
    for (const s of summaries) {
      st = observeSample(st, s, this.cfg);
      if (s.source === 'agent') this.agentLastSeen.set(instanceId, Math.max(this.agentLastSeen.get(instanceId) ?? 0, s.t1));
    }
    if (st && st !== before) {
      this.states.set(instanceId, st);
      this.dirty.add(instanceId);
    }
  }

  /** Folds one inventory reading in; returns the state the instance had before it (null: never seen). */
  observeInventory(inst: Pick<ProviderInstance, 'id' | 'state'>, now: number): IdleState | null {
    const before = this.states.get(inst.id) ?? null;
    const after = observeInventory(before, inst, now, this.cfg);
    this.states.set(inst.id, after);
    if (before === null || before.lastState !== after.lastState || before.runningSince !== after.runningSince || before.stoppedSince !== after.stoppedSince) {
      this.urgent.add(inst.id);
      this.dirty.add(inst.id);
    } else if (before.tracks !== after.tracks || before.firstSeenAt !== after.firstSeenAt || before.rules !== after.rules) {
      this.dirty.add(inst.id);
    }
    return before;
  }

  get(instanceId: string): IdleState | null {
    return this.states.get(instanceId) ?? null;
  }

  all(): ReadonlyMap<string, IdleState> {
    return this.states;
  }

  /**
   * Writes changed states in one transaction. `all: false` writes only the inventory transitions: what samples
   * change is rebuilt at start-up by replaying the samples after each track's last end (see load()), so saving it
   * every few cycles loses nothing and keeps a 10,000-instance cycle from serialising every state each time.
   */
  persist(all = true): number {
    const ids = all ? [...this.dirty] : [...this.urgent];
    if (ids.length === 0) return 0;
    const states = new Map<string, IdleState>();
    for (const id of ids) {
      const st = this.states.get(id);
      if (st) states.set(id, st);
    }
    this.store.setIdleStates(states);
    if (all) this.dirty.clear();
    else for (const id of ids) this.dirty.delete(id);
    this.urgent.clear();
    return ids.length;
  }

  close(): void {
    this.unsubscribe();
  }
}
