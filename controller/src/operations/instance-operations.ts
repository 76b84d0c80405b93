// What a person can do to one instance (resume it, hold it, release the hold), shared by the HTTP API, the CLI
// (through the API) and the dashboard buttons. Each act re-checks what it needs, is written to the audit log with
// who did it (cli, api, dashboard) and is announced through the notifier.
import type { ActionActor } from '../domain/action';
import { act } from '../executor/act-and-verify';
import { errorMessage, type Logger } from '../log';
import { type MessageContext, actionFailedText, operatorActText, subjectOf } from '../notify/messages';
import type { Notifier } from '../notify/webhook-notifier';
import type { Provider } from '../providers/provider';
import type { Store } from '../store';

export interface OperationsDeps {
  store: Pick<Store, 'getInstance' | 'insertAction' | 'updateAction' | 'setHold' | 'clearHold'>;
  logger: Logger;
  now: () => number;
  /** The provider that owns instances of this name; undefined when none is configured. */
  provider?: (name: string) => Provider | undefined;
  notifier?: Notifier | null;
  publicUrl?: string | null;
  /** Told after an act changed what the engine decides from (a hold, a release, a resume): the views decide it afresh. */
  changed?: (instanceId: string) => void;
}

export type OpResult = { ok: true; body: Record<string, unknown> } | { ok: false; status: 404 | 409 | 502 | 503; error: string };

export const MAX_HOLD_MS = 366 * 24 * 3_600_000;

export class InstanceOperations {
  private readonly msg: MessageContext;

  constructor(private readonly d: OperationsDeps) {
    this.msg = { publicUrl: d.publicUrl ?? null };
  }

  /** Starts a paused instance at its provider, after re-reading its state there. */
  async resume(id: string, actor: ActionActor): Promise<OpResult> {
    const rec = this.d.store.getInstance(id);
    if (rec === null) return { ok: false, status: 404, error: `unknown instance ${id}` };
    const provider = this.d.provider?.(rec.provider);
    if (!provider) return { ok: false, status: 503, error: `no ${rec.provider} provider is configured on this controller` };
    let fresh;
    try {
      fresh = await provider.get(rec.providerId);
    } catch (err) {
      this.d.logger.warn(`resume ${id}: re-check failed: ${errorMessage(err)}`);
      return { ok: false, status: 502, error: `could not read ${id} from ${rec.provider}: ${errorMessage(err)}` };
    }
    if (fresh === null) return { ok: false, status: 409, error: `${id} is gone at ${rec.provider}` };
    if (fresh.state !== 'stopped') {
      return { ok: false, status: 409, error: `${id} is ${fresh.state} (provider: ${fresh.rawState}): only a paused (stopped) instance is resumed` };
    }
    const now = this.d.now();
    const { record } = this.d.store.insertAction(
      {
        instanceId: id,
        kind: 'resume',
        status: 'planned',
        reason: `resume requested through the ${actor}`,
        actor,
        figures: { stateBefore: fresh.state, pricePerHour: rec.pricePerHour },
      },
      now,
    );
    // One request; a lost answer is settled by a re-read, never by starting it twice (executor/act-and-verify.ts).
    const acted = await act(provider, 'resume', rec.providerId, { logger: this.d.logger });
    if (acted.kind !== 'done') {
      const reason = `resume failed: ${acted.kind === 'failed' ? errorMessage(acted.error) : acted.why}`;
      this.d.store.updateAction(record.id, { status: 'failed', reason }, this.d.now());
      this.d.logger.error(`FAILED RESUME: ${id} (by ${actor}) - ${reason}`);
      this.d.notifier?.notify(actionFailedText('Resume', subjectOf(rec), this.msg, reason), { instanceId: id, email: false });
      return { ok: false, status: 502, error: reason };
    }
    const reason = `resumed through the ${actor}`;
    this.d.store.updateAction(record.id, { status: 'succeeded', reason }, this.d.now());
    this.d.changed?.(id);
    this.d.logger.info(`RESUME: ${id} (${rec.name}) by ${actor}`);
    this.d.notifier?.notify(
      operatorActText('resume', subjectOf(rec), this.msg, actor, 'its provider is starting it; it gets a full idle window before any new pause'),
      { instanceId: id, email: false },
    );
    return { ok: true, body: { instanceId: id, resumed: true, actor } };
  }

  /** Keeps the instance from any action until `until` (epoch ms, in the future, at most 366 days ahead). */
  hold(id: string, until: number, reason: string | null, actor: ActionActor): OpResult {
    const rec = this.d.store.getInstance(id);
    if (rec === null) return { ok: false, status: 404, error: `unknown instance ${id}` };
    const now = this.d.now();
    const why = reason ?? `hold set through the ${actor}`;
    const hold = this.d.store.setHold(id, until, why, now);
    const untilIso = new Date(hold.until).toISOString();
    this.d.store.insertAction(
      { instanceId: id, kind: 'hold', status: 'succeeded', reason: `held until ${untilIso}: ${why}`, actor, figures: { until: hold.until } },
      now,
    );
    this.d.changed?.(id);
    this.d.logger.info(`hold on ${id} until ${untilIso} by ${actor}: ${why}`);
    this.d.notifier?.notify(
      operatorActText('hold', subjectOf(rec), this.msg, actor, `no pause or delete before ${untilIso.replace('T', ' ').slice(0, 16)} UTC`),
      { instanceId: id, email: false },
    );
    return { ok: true, body: { instanceId: id, until: untilIso, reason: hold.reason, actor } };
  }

  /** Ends the hold now; the idle rules apply again from the next cycle. */
  release(id: string, actor: ActionActor): OpResult {
    const rec = this.d.store.getInstance(id);
    if (rec === null) return { ok: false, status: 404, error: `unknown instance ${id}` };
    const cleared = this.d.store.clearHold(id);
    if (cleared) {
      this.d.store.insertAction({ instanceId: id, kind: 'release', status: 'succeeded', reason: `hold released through the ${actor}`, actor }, this.d.now());
      this.d.changed?.(id);
      this.d.logger.info(`hold on ${id} released by ${actor}`);
      this.d.notifier?.notify(operatorActText('release', subjectOf(rec), this.msg, actor, 'the idle rules apply again'), { instanceId: id, email: false });
    }
    return { ok: true, body: { instanceId: id, cleared, actor } };
  }
}
