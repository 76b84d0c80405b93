// Part of the execute step: a warned instance that got busy again is told so ("will not be paused after all"), once.
// Holds, releases and resumes are announced by the act itself; a pause ends the warning. Kept in memory: a restart
// forgets (no message).
import type { Config } from '../../config/config';
import type { Decision } from '../../engine';
import type { ActionOutcome } from '../../executor/executor';
import type { Logger } from '../../log';
import { pauseWarningCancelledText, subjectOf } from '../../notify/messages';
import type { Notifier } from '../../notify/webhook-notifier';
import type { DecisionInputs } from '../decide-instance';

export class PauseWarningFollowUp {
  /** Instances whose pause warning went out and whose pause has not come. */
  private readonly warned = new Set<string>();

  constructor(private readonly d: { notifier: Notifier; logger: Logger; config: Pick<Config, 'publicUrl'> }) {}

  follow(decisions: readonly Decision[], actions: readonly ActionOutcome[], inputs: ReadonlyMap<string, DecisionInputs>): void {
    const { d } = this;
    for (const a of actions) if (a.kind === 'warn-pause' && a.status === 'succeeded') this.warned.add(a.instanceId);
    for (const dec of decisions) {
      if (!this.warned.has(dec.instanceId) || dec.kind === 'warn-pause') continue;
      if (dec.kind === 'pause' || dec.figures.state !== 'running') {
        this.warned.delete(dec.instanceId);
        continue;
      }
      if (dec.figures.pauseWarnedAt !== null && dec.figures.pauseWarnedAt !== undefined) continue;
      this.warned.delete(dec.instanceId);
      if (dec.code === 'hold' || dec.code === 'protected-marker' || dec.code === 'protected-config') continue;
      const inst = inputs.get(dec.instanceId)?.instance;
      if (!inst) continue;
      d.notifier.notify(
        pauseWarningCancelledText(
          subjectOf(inst),
          { publicUrl: d.config.publicUrl ?? null },
          dec.code === 'busy' || dec.code === 'not-idle' ? 'its GPU is busy again' : dec.reason,
        ),
        { instanceId: dec.instanceId },
      );
      d.logger.info(`pause of ${dec.instanceId} called off: ${dec.reason}`);
    }
  }
}
