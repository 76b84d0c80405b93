// Carries out the engine's decisions: re-checks with the provider, writes the audit row before and after, never acts
// twice for one decision, honours dry-run, and notifies; the provider call and its verification are act-and-verify.ts.
import type { PreparePauseResult } from '../../../protocol';
import type { ProviderInstance } from '../domain/instance';
import { effectComplete } from '../domain/action-effect';
import { errorMessage, type Logger } from '../log';
import { instancePolicy } from '../engine/instance-policy';
import type { Notifier } from '../notify/webhook-notifier';
import { type MessageContext, type MessageSubject, actionFailedText, actionSkippedText } from '../notify/messages';
import type { Provider } from '../providers/provider';
import type { Protection } from '../engine/protection';
import type { RetryPolicy } from '../retry/retry-policy';
import type { Sleep } from '../retry/with-retry';
import { type ActDeps, actAndVerify, DEFAULT_ACT_POLICY, readInstance, settlePolicy } from './act-and-verify';
import type { ActionKind, ActionLog, ActionRecord, ActionStatus } from './action-log';
import { type LeaseView, takeOver } from './previous-leader';

export interface PlannedAction {
  instanceId: string;
  providerId: string;
  /** Key into the providers map (`vast`, `tensordock`, `gcp`). */
  provider: string;
  kind: 'pause' | 'delete' | 'warn-delete' | 'warn-pause';
  /** One line: why. */
  reason: string;
  /** The seed-style line, e.g. `PAUSE: vast:1 (RTX 4090) - GPU avg=3.2% max=6.0% over 30 min, 180 samples (threshold=10.0%)`. */
  logLine: string;
  figures: Record<string, unknown>;
  /** Same decision (same instance, kind and idle episode) => same key: the audit row's unique key. */
  decisionKey: string;
  /** The notification once done (or, for a warning, sent), from notify/messages.ts (the plan step writes it). */
  notice: string;
  /** What failure and skip notifications say about the instance (name, provider, GPU, price). */
  subject: MessageSubject;
}

export interface ActionOutcome {
  instanceId: string;
  kind: ActionKind;
  status: ActionStatus;
  reason: string;
}

export interface ExecutorOptions {
  providers: ReadonlyMap<string, Provider>;
  actions: ActionLog;
  notifier: Notifier;
  logger: Logger;
  now: () => number;
  dryRun: boolean;
  /** Asks the instance's agent to run its own checkpoint hook; null when no agent is connected. */
  checkpoint?: (instanceId: string, timeoutMs: number) => Promise<PreparePauseResult | null>;
  checkpointTimeoutMs: number;
  /**
   * The protections of the freshly read instance, re-applied right before acting (a protection label added a minute
   * ago counts): the engine's own rule (engine/protection.ts protectionsOf), so the two checks cannot disagree.
   */
  protections: (fresh: ProviderInstance) => readonly Protection[];
  /** Re-reads after a pause or delete until it shows stopped or gone (default 12), this far apart (default 5 s). */
  verifyAttempts?: number;
  verifyDelayMs?: number;
  /** How a call that surely did not land is sent again (act-and-verify.ts); default the providers' usual 3 resends. */
  resend?: RetryPolicy;
  /** The waits of acting and verifying; tests inject one that takes no real time. */
  sleep?: Sleep;
  /** A failed decision is tried again on later cycles, up to this many attempts in all. */
  maxAttempts?: number;
  concurrency?: number;
  /** PUBLIC_URL for the links in failure notifications. */
  messages: MessageContext;
  /**
   * Why this process must not call a provider now (it no longer holds the leader lease), or null; asked right before
   * each pause or delete request, resends included (act-and-verify.ts). A fenced act is recorded as failed, quietly,
   * so the replica that now leads may carry it out.
   */
  fence?: () => string | null;
  /**
   * Replicas on PostgreSQL: the leader lease this process holds, asked when a decision meets its `planned` row. A row
   * of an earlier epoch is left to the previous leader for `previousCallMs` after this one took over, then claimed
   * (previous-leader.ts). Absent on a lone controller.
   */
  lease?: () => LeaseView;
  /** The longest a previous leader's call may still run after its fence (default: a 30 s provider timeout's). */
  previousCallMs?: number;
}

export class Executor {
  /** Decisions being carried out right now: a `planned` row not in here is a crash remnant. */
  private readonly inFlight = new Set<string>();

  private readonly act: ActDeps;

  constructor(private readonly o: ExecutorOptions) {
    this.act = {
      logger: o.logger,
      policy: { resend: o.resend ?? DEFAULT_ACT_POLICY.resend, settle: settlePolicy(o.verifyAttempts ?? 12, o.verifyDelayMs ?? 5000) },
      fence: o.fence,
      sleep: o.sleep,
    };
  }

  async execute(planned: readonly PlannedAction[]): Promise<ActionOutcome[]> {
    const out: ActionOutcome[] = [];
    const queue = [...planned];
    const worker = async () => {
      for (let a = queue.shift(); a; a = queue.shift()) out.push(await this.one(a));
    };
    await Promise.all(Array.from({ length: Math.max(1, this.o.concurrency ?? 8) }, worker));
    return out;
  }

  private async one(a: PlannedAction): Promise<ActionOutcome> {
    const kind: ActionKind = a.kind === 'warn-delete' ? 'warn' : a.kind;
    if (this.inFlight.has(a.decisionKey)) return { instanceId: a.instanceId, kind, status: 'planned', reason: 'already in progress' };
    this.inFlight.add(a.decisionKey);
    try {
      return await this.run(a, kind);
    } catch (err) {
      // Only a bug or the store failing lands here; the action is not retried within this cycle.
      this.o.logger.error(`executor: ${a.kind} ${a.instanceId} aborted`, err);
      return { instanceId: a.instanceId, kind, status: 'failed', reason: errorMessage(err) };
    } finally {
      this.inFlight.delete(a.decisionKey);
    }
  }

  private async run(a: PlannedAction, kind: ActionKind): Promise<ActionOutcome> {
    const now = this.o.now;
    const existing = this.o.actions.getByDecisionKey(a.decisionKey);
    const attempts = Number(existing?.figures['attempts'] ?? 0) + 1;
    if (existing && existing.status !== 'planned' && existing.status !== 'failed') {
      return { instanceId: a.instanceId, kind, status: existing.status, reason: 'already done for this decision' };
    }
    if (existing?.status === 'failed' && attempts > (this.o.maxAttempts ?? 3)) {
      return { instanceId: a.instanceId, kind, status: 'failed', reason: 'gave up after repeated failures' };
    }
    // Replicas: every write below is made as the holder of this lease epoch, and only while the row is its own.
    const lease = this.o.lease?.() ?? null;
    const epoch = lease?.epoch ?? null;
    const leave = (reason: string): ActionOutcome => ({ instanceId: a.instanceId, kind, status: 'planned', reason });
    if (lease !== null && epoch === null) return leave('this replica does not hold the leader lease');
    // A `planned` row not carried by a call of this process (inFlight) is a crash remnant, or a previous leader's call
    // still on its way.
    const refused = existing && takeOver(existing, lease, this.o.previousCallMs, (id, from, to) => this.o.actions.claim(id, from, to));
    if (refused) return leave(refused.why);
    const asHolder = epoch ?? undefined;
    const figures: Record<string, unknown> = { ...a.figures, attempts };
    const row: ActionRecord =
      existing ??
      this.o.actions.insertPlanned({ decisionKey: a.decisionKey, instanceId: a.instanceId, kind, reason: a.reason, figures, now: now(), leaseEpoch: epoch });
    if (existing && !this.o.actions.update(row.id, 'planned', a.reason, figures, now(), asHolder)) return leave('taken over by a newer leader');
    const finish = (status: ActionStatus, reason: string, extra: Record<string, unknown> = {}): ActionOutcome => {
      if (!this.o.actions.update(row.id, status, reason, { ...figures, ...extra }, now(), asHolder)) {
        // A newer leader claimed the row meanwhile (this replica stalled past its lease): what it recorded stands.
        this.o.logger.warn(`audit: ${a.kind} of ${a.instanceId} ended ${status} here, but a newer leader has taken its row; not recorded`);
        return { instanceId: a.instanceId, kind, status, reason: `${reason} (not recorded: a newer leader has taken the row)` };
      }
      return { instanceId: a.instanceId, kind, status, reason };
    };

    if (a.kind === 'warn-delete' || a.kind === 'warn-pause') {
      if (this.o.dryRun) {
        this.o.logger.info(`DRY RUN: ${a.logLine}`);
        return finish('dry-run', a.reason);
      }
      this.o.logger.info(a.logLine);
      this.o.notifier.notify(a.notice, { instanceId: a.instanceId });
      return finish('succeeded', a.reason);
    }

    const provider = this.o.providers.get(a.provider);
    if (!provider) return finish('failed', `no provider "${a.provider}" configured`);
    const action = a.kind;

    // Re-check right before acting: the decision may be minutes old and the instance may have changed.
    const fresh = await readInstance(provider, a.providerId);
    if (fresh instanceof Error) return this.failed(a, finish, `re-check failed: ${fresh.message}`);
    const freshState = fresh === null ? 'gone' : fresh.state;
    if (existing?.status === 'planned' && effectComplete(action, freshState)) {
      // A crash after the request went out: it took effect, so record it and do not act again.
      return finish('succeeded', `${a.reason} (verified after restart: ${freshState})`);
    }
    if (fresh === null) return finish('skipped', 'instance is gone');
    if (action === 'pause' && fresh.state !== 'running') return finish('skipped', `state is now ${fresh.state}, not running`);
    if (action === 'delete' && fresh.state !== 'running' && fresh.state !== 'stopped') return finish('skipped', `state is now ${fresh.state}`);
    const protections = this.o.protections(fresh);
    if (protections.length > 0) return finish('skipped', `instance is protected: ${protections.map((p) => p.detail).join('; ')}`);
    // A `[no-delete]` marker (or GCP label) added since the decision still holds, as a `[protect]` one does.
    if (action === 'delete' && instancePolicy(fresh, 0).noDelete) return finish('skipped', 'instance is marked pause-only ([no-delete])');

    if (this.o.dryRun) {
      this.o.logger.info(`DRY RUN: ${a.logLine}`);
      return finish('dry-run', a.reason);
    }

    if (action === 'pause' && this.o.checkpoint) {
      const r = await this.o.checkpoint(a.instanceId, this.o.checkpointTimeoutMs).catch((err: unknown) => {
        this.o.logger.warn(`checkpoint request to ${a.instanceId} failed: ${errorMessage(err)}`);
        return 'error' as const;
      });
      if (r === 'error' || (r && (r.outcome === 'failed' || r.outcome === 'timeout'))) {
        const why = r === 'error' ? 'checkpoint request failed' : `checkpoint ${r.outcome}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ''}`;
        this.o.logger.warn(`SKIP PAUSE: ${a.instanceId} - ${why}`);
        this.o.notifier.notify(actionSkippedText('Pause', a.subject, this.o.messages, why), { instanceId: a.instanceId });
        return finish('skipped', why, r && r !== 'error' ? { checkpoint: { outcome: r.outcome, exitCode: r.exitCode, output: r.output.slice(-500) } } : {});
      }
      if (r) figures['checkpoint'] = { outcome: r.outcome, durationMs: r.durationMs };
    }

    // The request itself, the re-read after an unknown outcome and the wait for stopped / gone: act-and-verify.ts.
    const acted = await actAndVerify(provider, action, a.providerId, this.act);
    if (acted.kind === 'fenced') {
      this.o.logger.warn(`NOT ACTING: ${a.instanceId} ${action} - ${acted.why}`);
      return finish('failed', `not acted: ${acted.why}`, { fenced: true });
    }
    if (acted.kind === 'failed') return this.failed(a, finish, `${action} failed: ${errorMessage(acted.error)}`);
    if (acted.kind === 'unverified') return this.failed(a, finish, `${action} sent but not verified: ${acted.state}`);
    this.o.logger.info(a.logLine);
    this.o.notifier.notify(a.notice, { instanceId: a.instanceId });
    return finish('succeeded', a.reason, { verifiedState: acted.state });
  }

  private failed(a: PlannedAction, finish: (s: ActionStatus, r: string) => ActionOutcome, reason: string): ActionOutcome {
    this.o.logger.error(`FAILED ${a.kind.toUpperCase()}: ${a.instanceId} - ${reason}`);
    const text = actionFailedText(a.kind === 'pause' ? 'Pause' : 'Delete', a.subject, this.o.messages, reason);
    this.o.notifier.notify(text, { instanceId: a.instanceId });
    return finish('failed', reason);
  }
}
