// The controller's database: one typed class over the SQLite file, synchronous (better-sqlite3), with every time
// passed in as `now` so tests control the clock. Listeners hear about samples only after their transaction commits.
import type { SqlDatabase, SqlStatement } from './sql/sql-database';
import type { Hello } from '../../../protocol';
import type { ProviderInstance, ProviderName } from '../domain/instance';
import type { SampleSummary } from '../domain/sample';
import { errorMessage, type Logger, silentLogger } from '../log';
import { ActionsRepo, type ActionQuery, type ActionUpdate } from './actions-repo';
import { CommittedSamples, type SamplesListener } from './committed-samples';
import type { InteractiveActivity } from '../domain/interactive';
import { HoldsRepo } from './holds-repo';
import { InteractiveRepo } from './interactive-repo';
import { instanceIdProblem } from './instance-id';
import { InstancesRepo, type InventoryResult } from './instances-repo';
import { isPostgresUrl, openDb, openPostgres, type Synchronous } from './open-db';
import { Retention, type RetentionProgress } from './retention';
import { SamplePartitions } from './sample-partitions';
import { SampleFeedReads } from './sample-feed-reads';
import { SamplesRepo } from './samples-repo';
import { LeaderLeaseRepo } from './leader-lease-repo';
import { AgentSessionsRepo } from './agent-sessions-repo';
import { ContestsRepo } from './contests-repo';
import { dialectOf } from './sql/sql-database';
import { type TokenGrant, TokensRepo } from './tokens-repo';
import { JoinTokensRepo, type JoinTokenInfo } from './join-tokens-repo';
import { DirectoryRepo } from './directory-repo';
import { SpendRepo } from './spend-repo';
import { BudgetAlertsRepo } from './budget-alerts-repo';
import type {
  ActionKind,
  ActionRecord,
  ActionStatus,
  HoldRecord,
  InsertResult,
  InstanceRecord,
  NewAction,
  RollupRecord,
  SampleDetail,
  SampleInput,
} from './types';

export type { SamplesListener } from './committed-samples';

export interface StoreOptions {
  /** Raw samples are kept at least this long (RETENTION_RAW_HOURS). Default 48. */
  retentionRawHours?: number;
  /** Rollups are kept this long (RETENTION_ROLLUP_DAYS). Default 90. */
  retentionRollupDays?: number;
  synchronous?: Synchronous;
  logger?: Logger;
  /** Clock for the migration record only; everything else takes `now` explicitly. */
  now?: number;
}

export class Store {
  private readonly instances: InstancesRepo;
  private readonly samples: SamplesRepo;
  private readonly tokens: TokensRepo;
  private localTokenChanges = 0;
  /** Why no sample may be stored now (the disk guard), or null; set by whoever wires the server. */
  sampleGate: (() => string | null) | null = null;
  private readonly dataVersionStmt: SqlStatement;
  private readonly joinTokens: JoinTokensRepo;
  private readonly actions: ActionsRepo;
  private readonly holds: HoldsRepo;
  private readonly interactive: InteractiveRepo;
  /** Owners, teams and the teams join tokens give (docs/owners.md). */
  readonly directory: DirectoryRepo;
  /** Spend per instance and day. */
  readonly spend: SpendRepo;
  readonly budgetAlerts: BudgetAlertsRepo;
  private readonly retention: Retention;
  private readonly partitions: SamplePartitions | null;
  private readonly rawMs: number;
  private readonly committed: CommittedSamples;
  private readonly logger: Logger;
  private readonly ping;
  private closed = false;
  /**
   * True on PostgreSQL, where other replicas write too: caches of what others may change are not kept, and the
   * leader lease exists (null on SQLite, where one process owns the file).
   */
  readonly shared: boolean;
  readonly lease: LeaderLeaseRepo | null;
  /** Which replica holds each agent connection (PostgreSQL only). */
  readonly sessions: AgentSessionsRepo | null;
  /** Contests seen on any replica (PostgreSQL only). */
  readonly contests: ContestsRepo | null;
  /** What the leader reads of the samples every replica stored (PostgreSQL only). */
  readonly feedReads: SampleFeedReads | null;

  constructor(
    readonly db: SqlDatabase,
    opts: StoreOptions = {},
  ) {
    this.logger = opts.logger ?? silentLogger;
    this.committed = new CommittedSamples(this.logger);
    const rawMs = (opts.retentionRawHours ?? 48) * 3_600_000;
    const rollupMs = (opts.retentionRollupDays ?? 90) * 86_400_000;
    this.instances = new InstancesRepo(db);
    this.shared = dialectOf(db) === 'postgres';
    this.samples = new SamplesRepo(db, this.instances, rawMs, !this.shared);
    this.lease = this.shared ? new LeaderLeaseRepo(db) : null;
    this.sessions = this.shared ? new AgentSessionsRepo(db) : null;
    this.contests = this.shared ? new ContestsRepo(db) : null;
    this.feedReads = this.shared ? new SampleFeedReads(db, this.instances) : null;
    this.tokens = new TokensRepo(db);
    // SQLite: another connection's commit moves data_version. PostgreSQL, where replicas write samples all the time:
    // what changes when a token is minted or revoked anywhere, so live connections are re-checked only then.
    this.dataVersionStmt = (
      dialectOf(db) === 'postgres'
        ? db.prepare("SELECT count(*) || ':' || count(revoked_at) || ':' || coalesce(max(revoked_at), 0) FROM tokens")
        : db.prepare('PRAGMA data_version')
    ).pluck();
    this.joinTokens = new JoinTokensRepo(db);
    this.actions = new ActionsRepo(db);
    this.holds = new HoldsRepo(db);
    this.interactive = new InteractiveRepo(db);
    this.directory = new DirectoryRepo(db);
    this.spend = new SpendRepo(db);
    this.budgetAlerts = new BudgetAlertsRepo(db);
    this.partitions = this.shared ? new SamplePartitions(db) : null;
    this.rawMs = rawMs;
    this.retention = new Retention(db, this.instances, rawMs, rollupMs, this.partitions, this.logger);
    // The coming days' sample partitions exist before the first agent reports; each retention pass makes more.
    this.makePartitions(opts.now ?? Date.now());
    this.ping = db.prepare('SELECT 1').pluck();
  }

  // --- transactions and lifecycle -------------------------------------------------------------------------------

  /**
   * Runs `fn` in one transaction (nested calls join the outer one). Sample listeners are called after the outermost
   * commit; on error everything rolls back and nobody is told.
   */
  transaction<T>(fn: () => T): T {
    if (this.committed.gathering) return fn();
    this.committed.begin();
    try {
      const result = this.db.transaction(fn)();
      this.instances.committed();
      this.committed.commit();
      return result;
    } catch (err) {
      this.instances.forgetCaches();
      this.samples.forgetCache();
      this.interactive.forgetUnwritten();
      this.spend.forgetCache();
      throw err;
    } finally {
      this.committed.discard();
    }
  }

  /** True when the database answers a query (for /healthz). */
  healthy(): boolean {
    if (this.closed) return false;
    try {
      return this.ping.get() === 1;
    } catch (err) {
      this.logger.error('database health check failed', err);
      return false;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  // --- tokens ---------------------------------------------------------------------------------------------------

  /** Registers the instance if needed and mints a token bound to it; returns the plaintext (shown once). */
  createToken(instanceId: string, now: number, expiresAt: number | null = null): string {
    const problem = instanceIdProblem(instanceId);
    if (problem !== null) throw new Error(`invalid instance id: ${problem}`);
    if (expiresAt !== null && !(Number.isFinite(expiresAt) && expiresAt > now)) throw new Error('token expiry must lie in the future');
    return this.transaction(() => {
      this.instances.ensure(instanceId, now);
      return this.tokens.create(instanceId, now, expiresAt);
    });
  }

  instanceForToken(token: string, now: number = Date.now()): string | null {
    return this.tokens.instanceFor(token, now);
  }

  /** What a token grants now (instance, hash, expiry); null when unknown, revoked or expired. */
  tokenGrant(token: string, now: number): TokenGrant | null {
    return this.tokens.grant(token, now);
  }

  /** Re-checks a live connection's token by its hash. */
  tokenGrantByHash(hash: string, now: number): TokenGrant | null {
    return this.tokens.grantByHash(hash, now);
  }

  /** The instance a revoked or superseded token was bound to (its knock is a contest), or null. */
  revokedTokenInstance(token: string): string | null {
    return this.tokens.revokedInstance(token);
  }

  revokeTokens(instanceId: string, now: number): number {
    const n = this.tokens.revokeAll(instanceId, now);
    this.localTokenChanges++;
    return n;
  }

  /**
   * Changes whenever tokens may have changed: a revoke through this store, or any commit by another connection to
   * the same file (`cost-optimizer token revoke` runs as its own process; SQLite's data_version tells).
   */
  tokenEpoch(): string {
    return `${this.dataVersionStmt.get() as number}:${this.localTokenChanges}`;
  }

  // --- fleet join tokens (docs/enrolment.md) ---------------------------------------------------------------------

  /** Mints a fleet join token; the plaintext is returned once, only its hash is kept. */
  createJoinToken(now: number, expiresAt: number | null, team: string | null = null): { id: string; token: string } {
    return this.transaction(() => {
      const created = this.joinTokens.create(now, expiresAt);
      if (team !== null) this.directory.setJoinTokenTeam(created.id, team);
      return created;
    });
  }

  /** The id of a live (known, unrevoked, unexpired) join token, or null. */
  joinTokenId(token: string, now: number): string | null {
    return this.joinTokens.validId(token, now);
  }

  revokeJoinToken(id: string, now: number): 'revoked' | 'already' | 'unknown' {
    return this.joinTokens.revoke(id, now);
  }

  listJoinTokens(): JoinTokenInfo[] {
    return this.joinTokens.list();
  }

  /**
   * A granted enrolment: the instance's earlier tokens are revoked (no agent holds them, the caller checked) and a
   * new agent token is minted, in one transaction. Returns the plaintext.
   */
  grantEnrolment(instanceId: string, now: number, joinTokenId: string | null = null): string {
    return this.transaction(() => {
      this.instances.ensure(instanceId, now);
      // The join token's team, if it names one, is the instance's team unless a marker says otherwise.
      if (joinTokenId !== null) this.directory.recordEnrolment(instanceId, this.directory.joinTokenTeam(joinTokenId), joinTokenId, now);
      this.tokens.revokeAll(instanceId, now);
      return this.tokens.create(instanceId, now);
    });
  }

  // --- instances ------------------------------------------------------------------------------------------------

  /** Registers an unknown id (manual host or placeholder); throws on a malformed id. */
  ensureInstance(id: string, now: number): void {
    this.instances.ensure(id, now);
  }

  /** Applies one provider's complete list; instances of that provider missing from it become deleted. */
  upsertInventory(provider: ProviderName, list: readonly ProviderInstance[], now: number): InventoryResult {
    return this.transaction(() => this.instances.upsertInventory(provider, list, now));
  }

  getInstance(id: string): InstanceRecord | null {
    return this.instances.get(id);
  }

  listInstances(): InstanceRecord[] {
    return this.instances.list();
  }

  /** Stores the agent's hello (host facts, GPUs) in agent_facts. */
  recordHello(instanceId: string, hello: Hello, now: number): void {
    this.recordHellos([{ instanceId, hello }], now);
  }

  /** Many agents' hellos in one transaction and a few statements (a controller restart brings them all at once). */
  recordHellos(hellos: readonly { instanceId: string; hello: Hello }[], now: number): void {
    if (hellos.length === 0) return;
    this.transaction(() =>
      this.instances.recordHellos(
        hellos.map((h) => ({ key: this.instances.ensure(h.instanceId, now), hello: h.hello })),
        now,
      ),
    );
  }

  // --- idle state (opaque JSON owned by the engine) -------------------------------------------------------------

  getIdleState(instanceId: string): unknown {
    return this.instances.getIdleState(instanceId);
  }

  /** Returns false when the instance does not exist. */
  setIdleState(instanceId: string, value: unknown): boolean {
    return this.instances.setIdleState(instanceId, value);
  }

  /** Saves many idle states in a few statements (ids without an instance are skipped); returns how many were saved. */
  setIdleStates(states: ReadonlyMap<string, unknown>): number {
    return this.transaction(() => this.instances.setIdleStates(states));
  }

  allIdleStates(): Map<string, unknown> {
    return this.instances.allIdleStates();
  }

  // --- samples --------------------------------------------------------------------------------------------------

  /**
   * Stores samples from any source (agent batches, SSH poller, provider figures) in one transaction. Replays are
   * no-ops ('duplicate'); results are in input order. Listeners get the inserted summaries after the commit.
   */
  insertSamples(inputs: readonly SampleInput[], now: number): InsertResult[] {
    // SSH and provider samples meet the disk guard here; agent batches meet it before they are queued (the ingest
    // closes the agent with the reason, so it keeps them and retries).
    const refusal = this.sampleGate?.() ?? null;
    if (refusal !== null && inputs.length > 0 && inputs.every((i) => i.source !== 'agent')) {
      return inputs.map(() => ({ status: 'rejected', reason: refusal, maxSeq: null }));
    }
    return this.transaction(() => {
      const results = this.samples.insertMany(inputs, now);
      for (let i = 0; i < inputs.length; i++) {
        const input = inputs[i]!;
        const r = results[i]!;
        if (r.status === 'inserted' && input.interactive) this.interactive.record(input.instanceId, input.interactive);
        if (r.status === 'inserted' && r.summary) this.committed.add(input.instanceId, r.summary);
      }
      return results;
    });
  }

  /** The latest interactive activity its agent reported (terminal input, notebook kernels); null when none. */
  interactiveActivity(instanceId: string): InteractiveActivity | null {
    return this.interactive.get(instanceId);
  }

  /** What other replicas wrote that this process keeps in memory: their agents' interactive activity (shared only). */
  reloadShared(): void {
    if (!this.shared) return;
    this.interactive.reload();
    this.contests?.reload();
  }

  /** Highest committed sequence number of an agent run (0 when none): the welcome's ackedSeq. */
  ackedSeq(instanceId: string, runId: string): number {
    return this.samples.maxSeq(instanceId, runId);
  }

  /** End of the newest stored agent sample of the instance, any run; null when none (ingest's trusted time). */
  lastAgentSampleEnd(instanceId: string): number | null {
    return this.samples.lastAgentEnd(instanceId);
  }

  /** Samples whose interval ends at or after sinceMs, oldest first. */
  recentSamples(instanceId: string, sinceMs: number): SampleSummary[] {
    return this.samples.recent(instanceId, sinceMs);
  }

  lastSample(instanceId: string): SampleSummary | null {
    return this.samples.last(instanceId);
  }

  /** Newest first, with per-GPU detail. */
  sampleDetails(instanceId: string, sinceMs: number, limit = 500): SampleDetail[] {
    return this.samples.recentDetail(instanceId, sinceMs, limit);
  }

  sampleCount(instanceId: string): number {
    return this.samples.count(instanceId);
  }

  rollups(instanceId: string, sinceMs: number): RollupRecord[] {
    return this.retention.rollups(instanceId, sinceMs);
  }

  /** Subscribes to committed samples; returns the unsubscribe function. */
  onSamplesCommitted(listener: SamplesListener): () => void {
    return this.committed.subscribe(listener);
  }

  // --- retention ------------------------------------------------------------------------------------------------

  /**
   * PostgreSQL: makes the sample partitions of the coming days, in a short transaction of its own. Best effort: a
   * lock held elsewhere (a long report, a pg_dump) makes it give up after a moment and say so; the next pass retries,
   * and meanwhile samples of a day without its partition wait, stored, in the default one.
   */
  private makePartitions(now: number): void {
    const partitions = this.partitions;
    if (partitions === null) return;
    try {
      this.transaction(() => partitions.ensure(now, now - this.rawMs));
    } catch (err) {
      this.logger.warn(`sample partitions for the coming days not made now (${errorMessage(err)}); retention tries again`);
    }
  }

  /** One bounded retention step in its own transaction. */
  retentionStep(now: number, maxRows = 2_000): RetentionProgress {
    if (this.retention.atPassStart) this.makePartitions(now);
    const p = this.transaction(() => this.retention.step(now, maxRows));
    // An instance silent for longer than the raw window just lost its newest sample.
    if (p.rolledUp > 0) this.samples.forgetCache();
    return p;
  }

  /** A whole retention pass (the library's run() loop and tests; `serve` steps through retentionStep instead). */
  runRetention(now: number, maxRowsPerStep = 5_000): RetentionProgress {
    if (this.retention.atPassStart) this.makePartitions(now);
    const p = this.retention.runPass(now, maxRowsPerStep, (fn) => this.transaction(fn));
    if (p.rolledUp > 0) this.samples.forgetCache();
    return p;
  }

  // --- actions (audit) ------------------------------------------------------------------------------------------

  /** With a decisionKey that exists already, returns that record and created = false. */
  insertAction(a: NewAction, now: number): { record: ActionRecord; created: boolean } {
    return this.transaction(() => this.actions.insert(a, now));
  }

  updateAction(id: number, u: ActionUpdate, now: number): ActionRecord | null {
    return this.transaction(() => this.actions.update(id, u, now));
  }

  /** A new leader takes over a `planned` or `failed` row of an earlier epoch (actions-repo.ts claim); false when it cannot. */
  claimAction(id: number, fromEpoch: number | null, toEpoch: number): boolean {
    return this.transaction(() => this.actions.claim(id, fromEpoch, toEpoch));
  }

  getAction(id: number): ActionRecord | null {
    return this.actions.get(id);
  }

  getActionByDecisionKey(key: string): ActionRecord | null {
    return this.actions.getByDecisionKey(key);
  }

  /** One page of the audit log, newest first, at most MAX_ACTIONS_PAGE rows: for listing, not for "all". */
  listActions(q: ActionQuery = {}): ActionRecord[] {
    return this.actions.list(q);
  }

  /** Every succeeded action of these kinds, oldest first (no cap: the savings report reads them all). */
  allSucceededActions(kinds: readonly ActionKind[]): ActionRecord[] {
    return this.actions.allSucceeded(kinds);
  }

  /** Every action with this status, oldest first (no cap: crash recovery settles every `planned` row). */
  actionsWithStatus(status: ActionStatus): ActionRecord[] {
    return this.actions.allWithStatus(status);
  }

  /** The newest `perInstance` actions of every instance, newest first (the engine's inputs, bounded per instance). */
  newestActionsPerInstance(perInstance: number): ActionRecord[] {
    return this.actions.newestPerInstance(perInstance);
  }

  // --- holds ----------------------------------------------------------------------------------------------------

  setHold(instanceId: string, until: number, reason: string, now: number): HoldRecord {
    return this.holds.set(instanceId, until, reason, now);
  }

  getHold(instanceId: string): HoldRecord | null {
    return this.holds.get(instanceId);
  }

  activeHold(instanceId: string, now: number): HoldRecord | null {
    return this.holds.active(instanceId, now);
  }

  listHolds(): HoldRecord[] {
    return this.holds.list();
  }

  clearHold(instanceId: string): boolean {
    return this.holds.clear(instanceId);
  }
}

/**
 * Opens and migrates the database at `location`: a postgres:// URL (DATABASE_URL) or a SQLite file path (the
 * directory is created).
 */
export function openStore(location: string, opts: StoreOptions = {}): Store {
  if (isPostgresUrl(location)) return new Store(openPostgres(location, { now: opts.now }), opts);
  return new Store(openDb(location, { synchronous: opts.synchronous, now: opts.now }), opts);
}
