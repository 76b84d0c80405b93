// Part of the execute step: a warned instance that got busy again is told so ("will not be paused after all"), once,
// and the warning's audit row is marked as a false alarm (false-alarm-log.ts), which holds the instance's next
// warnings back (engine/false-alarms.ts). A new idle spell's warning decided in the very cycle after the old spell
// ended (a warning lead longer than the busy spell, as in the demo) calls the old one off too. Holds, releases and
// resumes are announced by the act itself; a pause ends the warning. Kept in memory: a restart forgets (no message,
// no false alarm).
import type { Config } from '../../config/config';
import type { Decision } from '../../engine';
import type { ActionOutcome } from '../../executor/executor';
import type { Logger } from '../../log';
import type { Store } from '../../store';
import { recordFalseAlarm } from '../false-alarm-log';
import { pauseWarningCancelledText, subjectOf } from '../../notify/messages';
import type { Notifier } from '../../notify/webhook-notifier';
import type { DecisionInputs } from '../decide-instance';
import { decisionKey } from './plan';

interface SentWarning {
  /** The idle episode it belongs to; null when its decision was not seen. */
  episode: number | null;
  /** Its audit row's decision key; null when its decision was not seen. */
  key: string | null;
}

export class PauseWarningFollowUp {
  /** Instances whose pause warning went out and whose pause has not come. */
  private readonly warned = new Map<string, SentWarning>();

  constructor(
    private readonly d: {
      notifier: Notifier;
      logger: Logger;
      config: Pick<Config, 'publicUrl'>;
      store?: Pick<Store, 'getActionByDecisionKey' | 'listActions' | 'updateAction'>;
    },
  ) {}

  follow(decisions: readonly Decision[], actions: readonly ActionOutcome[], inputs: ReadonlyMap<string, DecisionInputs>): void {
    const sent = new Set<string>();
    for (const a of actions) if (a.kind === 'warn-pause' && a.status === 'succeeded') sent.add(a.instanceId);
    // Only the warned instances are looked at: most cycles none of a 10,000-instance fleet, so no set of every id.
    if (this.warned.size === 0 && sent.size === 0) return;
    const sentSeen = new Set<string>();
    for (const dec of decisions) {
      const before = this.warned.get(dec.instanceId);
      if (before) this.check(dec, before, inputs);
      if (!sent.has(dec.instanceId)) continue;
      sentSeen.add(dec.instanceId);
      if (dec.kind === 'warn-pause') this.warned.set(dec.instanceId, { episode: dec.figures.pauseWarnEpisode ?? null, key: decisionKey(dec) });
    }
    for (const id of sent) if (!sentSeen.has(id)) this.warned.set(id, { episode: null, key: null });
  }

  private check(dec: Decision, before: SentWarning, inputs: ReadonlyMap<string, DecisionInputs>): void {
    if (dec.kind === 'warn-pause') {
      // The same spell's warning again (not sent twice: same key), or one of a new spell: the old spell ended busy.
      if (before.episode === null || dec.figures.pauseWarnEpisode === before.episode) return;
      this.warned.delete(dec.instanceId);
      this.callOff(dec, before, inputs, 'its GPU was busy again');
      return;
    }
    if (dec.kind === 'pause' || dec.figures.state !== 'running') {
      this.warned.delete(dec.instanceId);
      return;
    }
    if (dec.figures.pauseWarnedAt !== null && dec.figures.pauseWarnedAt !== undefined) return;
    this.warned.delete(dec.instanceId);
    if (dec.code === 'hold' || dec.code === 'protected-marker' || dec.code === 'protected-config') return;
    this.callOff(dec, before, inputs, dec.code === 'busy' || dec.code === 'not-idle' ? 'its GPU is busy again' : dec.reason);
  }

  private callOff(dec: Decision, before: SentWarning, inputs: ReadonlyMap<string, DecisionInputs>, why: string): void {
    const { d } = this;
    const inst = inputs.get(dec.instanceId)?.instance;
    if (!inst) return;
    d.notifier.notify(pauseWarningCancelledText(subjectOf(inst), { publicUrl: d.config.publicUrl ?? null }, why), { instanceId: dec.instanceId });
    d.logger.info(`pause of ${dec.instanceId} called off: ${dec.reason}`);
    try {
      if (d.store) recordFalseAlarm(d.store, dec.instanceId, dec, before.key);
    } catch (err) {
      d.logger.error(`recording the false alarm of ${dec.instanceId} failed`, err);
    }
  }
}
