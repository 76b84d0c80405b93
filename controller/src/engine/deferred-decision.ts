// A decision to do nothing whose reason and figures are worked out only when someone reads them. A cycle decides
// every instance, and at 10,000 instances building each "keep it" line and its forty figures, then keeping them until
// the next cycle, was a third of the cycle's time (bench/cycle-profile.ts). Few are ever read: the plan reads only the
// actions, the views one instance or one page. The engine is pure and its inputs are never changed in place (an
// IdleState is copied on write, an EngineInstance rebuilt), so deciding again from the same inputs gives the very
// decision the cycle would have built: engine/deferred-decision.test.ts checks that it does.
import type { EngineConfig } from '../config/config';
import type { EngineTimes } from './engine-times';
import type { IdleState } from './idle-state';
import type { DecideOptions, Decision, DecisionCode, DecisionFigures, EngineInstance } from './types';

/** Decides in full (reason and figures built): decide.ts passes its own, so that this file does not import it. */
export type DecideFully = (inst: EngineInstance, idle: IdleState | null, cfg: EngineConfig, t: EngineTimes, now: number, opts: DecideOptions) => Decision;

/**
 * The inputs are kept in private fields, not in an object of their own (one object per instance of 10,000, kept a
 * whole cycle), and out of sight: logging a decision must never print the config it was made with (its tokens).
 * `reason` and `figures` are own, enumerable getters, so a spread, structuredClone or JSON of a deferred decision has
 * them like any other decision; one getter function each for every instance (they keep one hidden class).
 */
export class DeferredDecision implements Decision {
  readonly kind = 'none' as const;
  readonly instanceId: string;
  readonly code: DecisionCode;
  declare readonly reason: string;
  declare readonly figures: DecisionFigures;
  readonly #inst: EngineInstance;
  readonly #idle: IdleState | null;
  readonly #cfg: EngineConfig;
  readonly #t: EngineTimes;
  readonly #now: number;
  readonly #opts: DecideOptions;
  readonly #decideFully: DecideFully;
  #full: Decision | null = null;

  constructor(
    code: DecisionCode,
    inst: EngineInstance,
    idle: IdleState | null,
    cfg: EngineConfig,
    t: EngineTimes,
    now: number,
    opts: DecideOptions,
    decideFully: DecideFully,
  ) {
    this.instanceId = inst.id;
    this.code = code;
    this.#inst = inst;
    this.#idle = idle;
    this.#cfg = cfg;
    this.#t = t;
    this.#now = now;
    this.#opts = opts;
    this.#decideFully = decideFully;
    Object.defineProperty(this, 'reason', DeferredDecision.#REASON);
    Object.defineProperty(this, 'figures', DeferredDecision.#FIGURES);
  }

  static #decided(d: DeferredDecision): Decision {
    d.#full ??= d.#decideFully(d.#inst, d.#idle, d.#cfg, d.#t, d.#now, d.#opts);
    return d.#full;
  }

  static readonly #REASON: PropertyDescriptor = {
    enumerable: true,
    get(this: DeferredDecision): string {
      return DeferredDecision.#decided(this).reason;
    },
  };

  static readonly #FIGURES: PropertyDescriptor = {
    enumerable: true,
    get(this: DeferredDecision): DecisionFigures {
      return DeferredDecision.#decided(this).figures;
    },
  };
}
