// Acting at a provider: an unknown outcome is settled by a re-read, a call is never sent twice when it took effect,
// the fence is asked before every send, and the result is verified. An injected sleep: no real time passes.
import { describe, expect, it } from 'vitest';
import { callVerdict, type EffectOp } from '../domain/action-effect';
import { ProviderError } from '../domain/errors';
import type { InstanceState, ProviderInstance } from '../domain/instance';
import { createLogger } from '../log';
import type { Provider } from '../providers/provider';
import { act, type ActDeps, actAndVerify, settlePolicy } from './act-and-verify';

const inst = (state: InstanceState): ProviderInstance => ({
  id: 'vast:1',
  provider: 'vast',
  providerId: '1',
  name: 'x',
  state,
  rawState: state,
  gpuName: null,
  numGpus: 1,
  pricePerHour: null,
  stoppedPricePerHour: null,
  createdAt: null,
  ssh: null,
  labels: {},
  providerUtil: null,
});

const unknownOutcome = () =>
  new ProviderError({ provider: 'vast', op: 'pause', message: 'timed out (outcome unknown)', retryable: true, outcomeUnknown: true });
const refused429 = () => new ProviderError({ provider: 'vast', op: 'pause', message: 'HTTP 429', retryable: true, status: 429, safeToResend: true });

/**
 * A provider whose sends and reads follow a script: each send runs the next step (which may change the state and/or
 * throw), each read returns the state (or runs a read step). Records every call in order.
 */
class ScriptedProvider implements Provider {
  readonly name = 'vast' as const;
  readonly capabilities = { pauseMeans: 'stop', pausedCost: 'storage', resumeMayLoseGpu: true, canPause: true, canDelete: true };
  readonly calls: string[] = [];
  state: InstanceState | 'gone';
  constructor(
    start: InstanceState,
    private readonly sends: (() => void)[] = [],
    private readonly reads: (() => void)[] = [],
  ) {
    this.state = start;
  }
  async list() {
    return [];
  }
  async get() {
    this.calls.push('get');
    this.reads.shift()?.();
    return this.state === 'gone' ? null : inst(this.state);
  }
  private async send(op: EffectOp, to: InstanceState | 'gone') {
    this.calls.push(op);
    const step = this.sends.shift();
    if (step) step();
    else this.state = to;
  }
  pause() {
    return this.send('pause', 'stopped');
  }
  resume() {
    return this.send('resume', 'running');
  }
  delete() {
    return this.send('delete', 'gone');
  }
}

function deps(over: Partial<ActDeps> = {}) {
  const lines: string[] = [];
  const waits: number[] = [];
  const d: ActDeps = {
    logger: createLogger({ sink: (_l, line) => lines.push(line) }),
    policy: { resend: { maxRetries: 2, baseDelayMs: 10, factor: 2, maxDelayMs: 100, jitter: 0 }, settle: settlePolicy(3, 5_000) },
    sleep: async (ms) => void waits.push(ms),
    ...over,
  };
  return { d, lines, waits };
}

describe('callVerdict (what a re-read after an unknown outcome means)', () => {
  it.each<[EffectOp, InstanceState | 'gone', string]>([
    ['pause', 'stopped', 'done'],
    ['pause', 'stopping', 'done'],
    ['pause', 'running', 'not-done'],
    ['pause', 'starting', 'ambiguous'],
    ['pause', 'unknown', 'ambiguous'],
    ['pause', 'gone', 'ambiguous'],
    ['resume', 'running', 'done'],
    ['resume', 'starting', 'done'],
    ['resume', 'stopped', 'not-done'],
    ['resume', 'stopping', 'ambiguous'],
    ['resume', 'unknown', 'ambiguous'],
    ['delete', 'gone', 'done'],
    ['delete', 'deleted', 'done'],
    ['delete', 'running', 'not-done'],
    ['delete', 'stopped', 'not-done'],
    ['delete', 'stopping', 'ambiguous'],
    ['delete', 'unknown', 'ambiguous'],
  ])('%s seeing %s is %s', (op, state, want) => {
    expect(callVerdict(op, state)).toBe(want);
  });
});

describe('act', () => {
  it('sends once and is done when the provider accepts', async () => {
    const p = new ScriptedProvider('running');
    expect(await act(p, 'pause', '1', deps().d)).toEqual({ kind: 'done', confirmed: false });
    expect(p.calls).toEqual(['pause']);
  });

  it('an unknown outcome that took effect is confirmed by a re-read and never sent again', async () => {
    const p = new ScriptedProvider('running', [
      () => {
        p.state = 'stopping';
        throw unknownOutcome();
      },
    ]);
    const { d, waits } = deps();
    expect(await act(p, 'pause', '1', d)).toEqual({ kind: 'done', confirmed: true });
    expect(p.calls).toEqual(['pause', 'get']);
    expect(waits).toEqual([]);
  });

  it('an unknown outcome that did not land is sent again after the backoff, then succeeds', async () => {
    const p = new ScriptedProvider('running', [
      () => {
        throw unknownOutcome();
      },
    ]);
    const { d, waits, lines } = deps();
    expect(await act(p, 'pause', '1', d)).toEqual({ kind: 'done', confirmed: false });
    expect(p.calls).toEqual(['pause', 'get', 'pause']);
    expect(waits).toEqual([10]);
    expect(lines.some((l) => l.includes('still running, the call did not land; sending again in 10 ms'))).toBe(true);
  });

  it('stops after the policy resends and fails with the outcome-unknown error', async () => {
    const fail = () => {
      throw unknownOutcome();
    };
    const p = new ScriptedProvider('running', [fail, fail, fail, fail]);
    const { d, waits } = deps();
    const r = await act(p, 'pause', '1', d);
    expect(r).toMatchObject({ kind: 'failed', error: { outcomeUnknown: true } });
    expect(p.calls.filter((c) => c === 'pause')).toHaveLength(3);
    expect(waits).toEqual([10, 20]);
  });

  it('fails without sending again when the re-read is ambiguous or fails', async () => {
    const fail = () => {
      throw unknownOutcome();
    };
    const ambiguous = new ScriptedProvider('running', [
      () => {
        ambiguous.state = 'unknown';
        throw unknownOutcome();
      },
    ]);
    expect(await act(ambiguous, 'pause', '1', deps().d)).toMatchObject({ kind: 'failed', error: { outcomeUnknown: true } });
    expect(ambiguous.calls).toEqual(['pause', 'get']);
    const unreadable = new ScriptedProvider(
      'running',
      [fail],
      [
        () => {
          throw new Error('read failed');
        },
      ],
    );
    const { d, lines } = deps();
    expect(await act(unreadable, 'pause', '1', d)).toMatchObject({ kind: 'failed', error: { outcomeUnknown: true } });
    expect(unreadable.calls).toEqual(['pause', 'get']);
    expect(lines.some((l) => l.includes('re-read after an unknown outcome failed; not resending'))).toBe(true);
  });

  it('a call the provider surely did not act on (429, never sent) is sent again without a re-read', async () => {
    const p = new ScriptedProvider('running', [
      () => {
        throw refused429();
      },
    ]);
    const { d, waits } = deps();
    expect(await act(p, 'pause', '1', d)).toEqual({ kind: 'done', confirmed: false });
    expect(p.calls).toEqual(['pause', 'pause']);
    expect(waits).toEqual([10]);
  });

  it('other errors fail at once, without a re-read or a resend', async () => {
    const refused = new ProviderError({ provider: 'vast', op: 'delete', message: 'HTTP 400', retryable: false, status: 400 });
    const p = new ScriptedProvider('running', [
      () => {
        throw refused;
      },
    ]);
    expect(await act(p, 'delete', '1', deps().d)).toEqual({ kind: 'failed', error: refused });
    expect(p.calls).toEqual(['delete']);
  });

  it('asks the fence before every send, resends included, and sends nothing once it says no', async () => {
    const fail = () => {
      throw unknownOutcome();
    };
    const p = new ScriptedProvider('running', [fail]);
    const asked: number[] = [];
    const fence = () => (asked.push(p.calls.length), asked.length >= 2 ? 'no longer holds the leader lease' : null);
    const r = await act(p, 'pause', '1', deps({ fence }).d);
    expect(r).toEqual({ kind: 'fenced', why: 'no longer holds the leader lease' });
    // Asked before the first send (no calls yet) and before the resend (after pause + re-read); the resend never went.
    expect(asked).toEqual([0, 2]);
    expect(p.calls).toEqual(['pause', 'get']);
    const q = new ScriptedProvider('running');
    expect(await act(q, 'pause', '1', deps({ fence: () => 'not the leader' }).d)).toEqual({ kind: 'fenced', why: 'not the leader' });
    expect(q.calls).toEqual([]);
  });

  it('resume takes the same path: a lost answer of a start that landed is confirmed, not resent', async () => {
    const p = new ScriptedProvider('stopped', [
      () => {
        p.state = 'starting';
        throw unknownOutcome();
      },
    ]);
    expect(await act(p, 'resume', '1', deps().d)).toEqual({ kind: 'done', confirmed: true });
    expect(p.calls).toEqual(['resume', 'get']);
  });
});

describe('actAndVerify', () => {
  it('re-reads until the effect is complete, the settle delay apart', async () => {
    const p = new ScriptedProvider('running', [() => void (p.state = 'stopping')], [() => undefined, () => void (p.state = 'stopped')]);
    const { d, waits } = deps();
    expect(await actAndVerify(p, 'pause', '1', d)).toEqual({ kind: 'done', state: 'stopped' });
    expect(p.calls).toEqual(['pause', 'get', 'get']);
    expect(waits).toEqual([5_000]);
  });

  it('a call accepted whose state never changes is unverified after the settle reads, with the last state read', async () => {
    const p = new ScriptedProvider('running', [() => undefined]);
    const { d, waits } = deps();
    expect(await actAndVerify(p, 'pause', '1', d)).toEqual({ kind: 'unverified', state: 'running' });
    expect(p.calls).toEqual(['pause', 'get', 'get', 'get']);
    expect(waits).toEqual([5_000, 5_000]);
  });

  it('a failed read during verification is read again; its message is the state when it never settles', async () => {
    const boom = () => {
      throw new Error('socket hang up');
    };
    const p = new ScriptedProvider('running', [() => undefined], [boom, boom, boom]);
    expect(await actAndVerify(p, 'delete', '1', deps().d)).toEqual({ kind: 'unverified', state: 're-read failed: socket hang up' });
    const q = new ScriptedProvider('running', [], [boom]);
    expect(await actAndVerify(q, 'delete', '1', deps().d)).toEqual({ kind: 'done', state: 'gone' });
  });

  it('does not verify what was fenced or failed', async () => {
    const p = new ScriptedProvider('running');
    expect(await actAndVerify(p, 'pause', '1', deps({ fence: () => 'not the leader' }).d)).toMatchObject({ kind: 'fenced' });
    expect(p.calls).toEqual([]);
  });
});
