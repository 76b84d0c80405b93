// Wraps a real Provider to watch what the optimizer does through it: every pause/delete call, checked against the fake's
// ground truth (a pause of an instance already stopped, or a delete of one already gone, is a duplicated action), and
// the kill switch that emulates `kill -9` of the controller between "request sent" and "audit updated".
import type { ProviderInstance } from '../../controller/src/domain/instance';
import type { Provider } from '../../controller/src/providers/provider';

export type TruthState = 'running' | 'stopped' | 'gone' | 'transitional';

export interface ActionCall {
  op: 'pause' | 'delete';
  provider: string;
  providerId: string;
  /** The fake's state just before the call. */
  before: TruthState;
  duplicate: boolean;
  /** Virtual epoch ms. */
  at: number;
}

export interface KillSwitch {
  /** Kill once a call of this op has reached the provider (it took effect there) and before its answer is seen. */
  op: 'pause' | 'delete';
  /** Only for this instance; any instance when absent. */
  providerId?: string;
}

const never = <T>() => new Promise<T>(() => undefined);

/** One controller process: every provider it holds dies with it. */
export class SimProcess {
  private isDead = false;
  /** The call after which the process died. */
  killedBy: ActionCall | null = null;
  /** Provider requests on the wire: a killed process's requests still reach the provider. */
  private inflight = 0;
  private listener: (() => void) | null = null;
  private waiters: (() => void)[] = [];
  private onKilled: (() => void) | null = null;
  /** Resolves when the process is killed. */
  readonly killed: Promise<void>;
  constructor() {
    this.killed = new Promise((resolve) => (this.onKilled = resolve));
  }
  get dead(): boolean {
    return this.isDead;
  }
  kill(): void {
    this.isDead = true;
    this.onKilled?.();
    const l = this.listener;
    this.listener = null;
    l?.();
  }
  /**
   * `p`, or null as soon as the process is killed. Each call subscribes afresh and unsubscribes when `p` settles:
   * racing against the long-lived `killed` promise instead would keep every cycle's result alive through its reactions.
   */
  race<T>(p: Promise<T>): Promise<T | null> {
    if (this.isDead) return Promise.resolve(null);
    return new Promise<T | null>((resolve, reject) => {
      this.listener = () => resolve(null);
      p.then(
        (v) => {
          this.listener = null;
          resolve(v);
        },
        (err: unknown) => {
          this.listener = null;
          reject(err);
        },
      );
    });
  }
  /** Runs a provider request, counted until it settles (whether or not anyone still listens). */
  async track<T>(p: () => Promise<T>): Promise<T> {
    this.inflight++;
    try {
      return await p();
    } finally {
      if (--this.inflight === 0) this.waiters.splice(0).forEach((w) => w());
    }
  }
  /** Resolves once every request sent so far has settled at the provider. */
  settled(): Promise<void> {
    return this.inflight === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

export class ProbeProvider implements Provider {
  private killSwitch: KillSwitch | null = null;

  constructor(
    private readonly inner: Provider,
    private readonly truth: (providerId: string) => TruthState,
    private readonly now: () => number,
    private readonly life: SimProcess,
    /** Shared by every probe of the run, so calls survive a restart. */
    readonly calls: ActionCall[],
  ) {}

  get name() {
    return this.inner.name;
  }

  get capabilities() {
    return this.inner.capabilities;
  }

  arm(k: KillSwitch | null): void {
    this.killSwitch = k;
  }

  list(signal?: AbortSignal): Promise<ProviderInstance[]> {
    return this.guard(() => this.inner.list(signal));
  }

  get(providerId: string, signal?: AbortSignal): Promise<ProviderInstance | null> {
    return this.guard(() => this.inner.get(providerId, signal));
  }

  pause(providerId: string, signal?: AbortSignal): Promise<void> {
    return this.act('pause', providerId, () => this.inner.pause(providerId, signal));
  }

  resume(providerId: string, signal?: AbortSignal): Promise<void> {
    return this.guard(() => this.inner.resume(providerId, signal));
  }

  delete(providerId: string, signal?: AbortSignal): Promise<void> {
    return this.act('delete', providerId, () => this.inner.delete(providerId, signal));
  }

  private async act(op: 'pause' | 'delete', providerId: string, call: () => Promise<void>): Promise<void> {
    if (this.life.dead) return never();
    const before = this.truth(providerId);
    const duplicate = op === 'pause' ? before === 'stopped' || before === 'gone' : before === 'gone';
    const rec: ActionCall = { op, provider: this.inner.name, providerId, before, duplicate, at: this.now() };
    this.calls.push(rec);
    await this.guard(call);
    const k = this.killSwitch;
    if (k && k.op === op && (k.providerId === undefined || k.providerId === providerId)) {
      // The provider has done it; the controller dies before it can record the outcome.
      this.killSwitch = null;
      this.life.killedBy = rec;
      this.life.kill();
      return never();
    }
  }

  /** A dead process neither sends nor hears anything: its pending calls never settle. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    if (this.life.dead) return never();
    let r: T;
    try {
      r = await this.life.track(fn);
    } catch (err) {
      if (this.life.dead) return never();
      throw err;
    }
    if (this.life.dead) return never();
    return r;
  }
}
