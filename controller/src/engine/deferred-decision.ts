// A decision to do nothing whose reason and figures are worked out only when someone reads them. A cycle decides
// every instance, and at 10,000 instances building each "keep it" line and its forty figures, then keeping them until
// the next cycle, was a third of the cycle's time (bench/cycle-profile.ts). Few are ever read: the plan reads only the
// actions, the views one instance or one page. The engine is pure and its inputs are never changed in place (an
// IdleState is copied on write, an EngineInstance rebuilt), so deciding again from the same inputs gives the very
// decision the cycle would have built: engine/deferred-decision.test.ts checks that it does.
import type { EngineConfig } from '../config/config';
import type { EngineTimes } from './engine-times';
import type { IdleState } from './idle-state';
import type { DecideOptions, Decision, DecisionCode, EngineInstance } from './types';

/** Decides in full (reason and figures built): decide.ts passes its own, so that this file does not import it. */
export type DecideFully = (inst: EngineInstance, idle: IdleState | null, cfg: EngineConfig, t: EngineTimes, now: number, opts: DecideOptions) => Decision;

/** The inputs are kept as fields, not in an object of their own: one object per instance of 10,000, kept a whole cycle. */
export class DeferredDecision implements Decision {
  readonly kind = 'none' as const;
  readonly instanceId: string;
  private full: Decision | null = null;

  constructor(
    readonly code: DecisionCode,
    private readonly inst: EngineInstance,
    private readonly idle: IdleState | null,
    private readonly cfg: EngineConfig,
    private readonly t: EngineTimes,
    private readonly now: number,
    private readonly opts: DecideOptions,
    private readonly decideFully: DecideFully,
  ) {
    this.instanceId = inst.id;
  }

  get reason(): string {
    return this.decided().reason;
  }

  get figures(): Decision['figures'] {
    return this.decided().figures;
  }

  /** A plain Decision object (for JSON: the getters above are not own properties). */
  toJSON(): Decision {
    return this.decided();
  }

  private decided(): Decision {
    this.full ??= this.decideFully(this.inst, this.idle, this.cfg, this.t, this.now, this.opts);
    return this.full;
  }
}
