import { describe, expect, it } from 'vitest';
import { ProviderError } from '../domain/errors';
import type { InstanceState, ProviderInstance } from '../domain/instance';
import { silentLogger } from '../log';
import { type MutationOp, verdictFor, verifiedMutation } from './verified-mutation';

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
const policy = { maxRetries: 2, baseDelayMs: 1, factor: 1, maxDelayMs: 1, jitter: 0 };

describe('verdictFor', () => {
  it.each<[MutationOp, InstanceState | null, string]>([
    ['pause', 'stopped', 'done'],
    ['pause', 'stopping', 'done'],
    ['pause', 'running', 'not-done'],
    ['pause', 'starting', 'ambiguous'],
    ['pause', 'unknown', 'ambiguous'],
    ['pause', null, 'ambiguous'],
    ['resume', 'running', 'done'],
    ['resume', 'starting', 'done'],
    ['resume', 'stopped', 'not-done'],
    ['resume', 'stopping', 'ambiguous'],
    ['resume', 'unknown', 'ambiguous'],
    ['delete', null, 'done'],
    ['delete', 'deleted', 'done'],
    ['delete', 'running', 'not-done'],
    ['delete', 'stopped', 'not-done'],
    ['delete', 'stopping', 'ambiguous'],
    ['delete', 'unknown', 'ambiguous'],
  ])('%s seeing %s is %s', (op, state, want) => {
    expect(verdictFor(op, state === null ? null : inst(state))).toBe(want);
  });
});

describe('verifiedMutation', () => {
  const run = (send: () => Promise<void>, reread: () => Promise<ProviderInstance | null>, op: MutationOp = 'pause') =>
    verifiedMutation({ provider: 'vast', op, providerId: '1', send, reread, policy, logger: silentLogger });

  it('resolves without resending when the re-read shows the call landed', async () => {
    let sends = 0;
    await run(
      async () => {
        sends++;
        throw unknownOutcome();
      },
      async () => inst('stopping'),
    );
    expect(sends).toBe(1);
  });

  it('resends when the re-read shows nothing changed, then succeeds', async () => {
    let sends = 0;
    let reads = 0;
    await run(
      async () => {
        if (++sends === 1) throw unknownOutcome();
      },
      async () => (reads++, inst('running')),
    );
    expect([sends, reads]).toEqual([2, 1]);
  });

  it('stops after maxRetries resends and throws the outcome-unknown error', async () => {
    let sends = 0;
    const err = await run(
      async () => {
        sends++;
        throw unknownOutcome();
      },
      async () => inst('running'),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ outcomeUnknown: true });
    expect(sends).toBe(3);
  });

  it('throws, without resending, when the state is ambiguous or the re-read fails', async () => {
    let sends = 0;
    const send = async () => {
      sends++;
      throw unknownOutcome();
    };
    await expect(run(send, async () => inst('unknown'))).rejects.toMatchObject({ outcomeUnknown: true });
    await expect(
      run(send, async () => {
        throw new Error('read failed');
      }),
    ).rejects.toMatchObject({ outcomeUnknown: true });
    expect(sends).toBe(2);
  });

  it('passes other errors through without re-reading', async () => {
    let reads = 0;
    const refused = new ProviderError({ provider: 'vast', op: 'delete', message: 'HTTP 400', retryable: false, status: 400 });
    await expect(
      run(
        async () => {
          throw refused;
        },
        async () => (reads++, null),
        'delete',
      ),
    ).rejects.toBe(refused);
    expect(reads).toBe(0);
  });
});
