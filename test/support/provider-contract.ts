// The contract every Provider must honour, as one vitest suite run against each provider's fake (test/e2e/providers-contract.test.ts).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../controller/src/domain/errors';
import type { InstanceState, ProviderInstance } from '../../controller/src/domain/instance';
import type { Logger } from '../../controller/src/log';
import type { Provider } from '../../controller/src/providers/provider';
import { act } from '../../controller/src/executor/act-and-verify';

export type ContractCall = 'list' | 'get' | 'pause' | 'resume' | 'delete';
export type ContractFault = '429-text' | '429-json' | '500' | 'hang' | 'hang-after' | 'garbled' | 'error-200';

/** A request as the fake recorded it. */
export interface ContractRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  json: unknown;
  form: Record<string, string> | undefined;
}

export interface HarnessProviderOptions {
  timeoutMs: number;
  /** Credentials that the fake rejects. */
  badCredentials?: boolean;
  logger: Logger;
}

/** What a provider's test setup gives the contract: its fake, seeded, and ways to build providers against it. */
export interface ContractHarness {
  /** Builds a provider pointed at the fake with tiny retry delays (maxRetries 2) and the given timeout. */
  makeProvider(o: HarnessProviderOptions): Promise<Provider>;
  /** Adds an instance to the fake; returns its providerId. */
  seed(state: 'running' | 'stopped'): string;
  /** The normalized fields `list`/`get` must give for an instance seeded as running by `seed`. */
  expectedRunning(providerId: string): Partial<ProviderInstance>;
  /** A providerId that does not exist at the provider. */
  goneId: string;
  /** How many instances the fake holds before any test seeds (spread over several pages where the API paginates). */
  initialCount: number;
  /** List requests one full listing takes (> 1 where the API paginates). */
  listRequestsPerListing: number;
  inject(fault: ContractFault, call: ContractCall, times?: number): void;
  clearFaults(): void;
  requests(): ContractRequest[];
  clearRequests(): void;
  /** Asserts the requests one call made match the real API (method, path incl. trailing slash, auth, body). */
  checkRequests(call: ContractCall, providerId: string, requests: ContractRequest[]): void;
  /** The requests of `requests()` that are calls of this kind (e.g. the PUTs of a Vast pause). */
  callsOf(call: ContractCall, requests: ContractRequest[]): ContractRequest[];
  /** Strings that must never appear in an error or a log line. */
  secrets: string[];
  close(): Promise<void>;
}

const NORMAL_TIMEOUT_MS = 8_000;
/** Act-and-verify's resends in the contract: as the harness clients' own retries (tiny delays, maxRetries 2). */
const CONTRACT_RESEND = { maxRetries: 2, baseDelayMs: 1, factor: 2, maxDelayMs: 5, jitter: 0 };
const SHORT_TIMEOUT_MS = 300;

async function settle(provider: Provider, id: string, want: (i: ProviderInstance | null) => boolean): Promise<ProviderInstance | null> {
  let last: ProviderInstance | null = null;
  for (let i = 0; i < 200; i++) {
    last = await provider.get(id);
    if (want(last)) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  return last;
}

async function rejection(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'expected the call to fail').toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

export interface ContractFeatures {
  /** The API answers some errors inside an HTTP 200 body (TensorDock); the others use 4xx, covered elsewhere. */
  errorIn200: boolean;
}

export function runProviderContract(name: string, features: ContractFeatures, makeHarness: () => Promise<ContractHarness>): void {
  describe(`provider contract: ${name}`, () => {
    let h: ContractHarness;
    let provider: Provider;
    const lines: string[] = [];
    const errors: unknown[] = [];
    // A raw capturing logger: the provider itself must keep secrets out, not rely on the logger's scrubbing.
    const logger: Logger = {
      debug: (m) => void lines.push(m),
      info: (m) => void lines.push(m),
      warn: (m) => void lines.push(m),
      error: (m, e) => void lines.push(`${m} ${e instanceof Error ? `${e.message} ${e.stack}` : String(e ?? '')}`),
    };
    const track = async <T>(p: Promise<T>): Promise<T> => {
      try {
        return await p;
      } catch (err) {
        errors.push(err);
        throw err;
      }
    };
    /**
     * A pause or resume as the executor and the operator acts send it: the provider sends one request per call, and
     * executor/act-and-verify.ts settles an unknown outcome with a re-read and resends what surely did not land.
     */
    const acted = async (p: Provider, op: 'pause' | 'resume', id: string): Promise<void> => {
      const r = await act(p, op, id, { logger, policy: { resend: CONTRACT_RESEND, settle: CONTRACT_RESEND } });
      if (r.kind === 'failed') throw r.error;
      if (r.kind === 'fenced') throw new Error(`fenced: ${r.why}`);
    };

    beforeAll(async () => {
      h = await makeHarness();
      provider = await h.makeProvider({ timeoutMs: NORMAL_TIMEOUT_MS, logger });
    });
    afterAll(async () => {
      await h?.close();
    });
    beforeEach(() => {
      h.clearFaults();
      h.clearRequests();
    });

    it('lists every instance across all pages, normalized', async () => {
      const id = h.seed('running');
      h.clearRequests();
      const all = await provider.list();
      expect(all.length).toBe(h.initialCount + 1);
      expect(new Set(all.map((i) => i.id)).size).toBe(all.length);
      expect(h.callsOf('list', h.requests()).length).toBe(h.listRequestsPerListing);
      h.checkRequests('list', id, h.requests());
      const mine = all.find((i) => i.providerId === id);
      expect(mine).toMatchObject({ provider: provider.name, id: `${provider.name}:${id}`, state: 'running', ...h.expectedRunning(id) });
      for (const i of all) expect(['running', 'stopped', 'starting', 'stopping', 'deleted', 'unknown']).toContain(i.state);
    });

    it('gets one instance like list does, and null for one that is gone', async () => {
      const id = h.seed('running');
      const listed = (await provider.list()).find((i) => i.providerId === id);
      h.clearRequests();
      const got = await provider.get(id);
      expect(got).toEqual(listed);
      h.checkRequests('get', id, h.requests());
      expect(await provider.get(h.goneId)).toBeNull();
    });

    it('pauses a running instance: the provider shows it stopped, and the request is the real API call', async () => {
      const id = h.seed('running');
      h.clearRequests();
      await track(provider.pause(id));
      h.checkRequests('pause', id, h.requests());
      const after = await settle(provider, id, (i) => i?.state === 'stopped');
      expect(after?.state).toBe<InstanceState>('stopped');
    });

    it('resumes a stopped instance', async () => {
      const id = h.seed('stopped');
      expect((await provider.get(id))?.state).toBe('stopped');
      h.clearRequests();
      await track(provider.resume(id));
      h.checkRequests('resume', id, h.requests());
      const after = await settle(provider, id, (i) => i?.state === 'running');
      expect(after?.state).toBe('running');
    });

    it('deletes an instance; it is gone from get and list; deleting again resolves', async () => {
      const id = h.seed('running');
      h.clearRequests();
      await track(provider.delete(id));
      h.checkRequests('delete', id, h.requests());
      expect(await settle(provider, id, (i) => i === null)).toBeNull();
      expect((await provider.list()).some((i) => i.providerId === id)).toBe(false);
      await track(provider.delete(id));
    });

    it('retries a plain-text 429 and succeeds', async () => {
      h.inject('429-text', 'list', 2);
      const all = await track(provider.list());
      expect(all.length).toBeGreaterThanOrEqual(h.initialCount);
      expect(h.callsOf('list', h.requests()).length).toBe(h.listRequestsPerListing + 2);
    });

    it('a JSON 429 on pause is one request that says resending is safe; act-and-verify sends it again', async () => {
      const id = h.seed('running');
      h.clearRequests();
      h.inject('429-json', 'pause');
      const err = await rejection(track(provider.pause(id)));
      expect(err).toMatchObject({ op: 'pause', status: 429, outcomeUnknown: false, safeToResend: true });
      expect(h.callsOf('pause', h.requests()).length).toBe(1);
      expect((await provider.get(id))?.state).toBe('running');
      h.clearRequests();
      h.inject('429-json', 'pause');
      await track(acted(provider, 'pause', id));
      expect(h.callsOf('pause', h.requests()).length).toBe(2);
      expect((await settle(provider, id, (i) => i?.state === 'stopped'))?.state).toBe('stopped');
    });

    it('retries a 500 on list', async () => {
      h.inject('500', 'list');
      const all = await track(provider.list());
      expect(all.length).toBeGreaterThanOrEqual(h.initialCount);
      expect(h.callsOf('list', h.requests()).length).toBe(h.listRequestsPerListing + 1);
    });

    it('a 500 on pause is one request with an unknown outcome, never resent by the provider client', async () => {
      const id = h.seed('running');
      h.clearRequests();
      h.inject('500', 'pause');
      const err = await rejection(track(provider.pause(id)));
      expect(err).toMatchObject({ op: 'pause', outcomeUnknown: true, safeToResend: false });
      expect(h.callsOf('pause', h.requests()).length).toBe(1);
      expect(h.callsOf('get', h.requests()).length).toBe(0);
    });

    it('after a 500 on pause, act-and-verify re-reads the instance before sending again', async () => {
      const id = h.seed('running');
      h.clearRequests();
      h.inject('500', 'pause');
      await track(acted(provider, 'pause', id));
      const reqs = h.requests();
      const pauses = h.callsOf('pause', reqs);
      expect(pauses.length).toBe(2);
      const between = reqs.slice(reqs.indexOf(pauses[0]!) + 1, reqs.indexOf(pauses[1]!));
      expect(h.callsOf('get', between).length).toBeGreaterThanOrEqual(1);
      expect((await settle(provider, id, (i) => i?.state === 'stopped'))?.state).toBe('stopped');
    });

    it('a pause whose answer is lost after it acted is confirmed by a re-read, never sent twice', async () => {
      const slow = await h.makeProvider({ timeoutMs: 800, logger });
      const id = h.seed('running');
      h.clearRequests();
      h.inject('hang-after', 'pause');
      await track(acted(slow, 'pause', id));
      expect(h.callsOf('pause', h.requests()).length).toBe(1);
      expect(h.callsOf('get', h.requests()).length).toBeGreaterThanOrEqual(1);
      expect((await settle(provider, id, (i) => i?.state === 'stopped'))?.state).toBe('stopped');
    });

    it('a hung list fails with a retryable ProviderError instead of hanging', async () => {
      const quick = await h.makeProvider({ timeoutMs: SHORT_TIMEOUT_MS, logger });
      h.inject('hang', 'list', 100);
      const err = await rejection(track(quick.list()));
      expect(err).toMatchObject({ provider: provider.name, op: 'list', retryable: true });
      expect(h.callsOf('list', h.requests()).length).toBe(3);
    });

    it('a garbled body is a ProviderError, not a crash', async () => {
      h.inject('garbled', 'list', 100);
      const err = await rejection(track(provider.list()));
      expect(err.op).toBe('list');
    });

    if (features.errorIn200) {
      it('an error inside an HTTP 200 body is a ProviderError and changes nothing', async () => {
        const id = h.seed('running');
        h.inject('error-200', 'pause');
        const err = await rejection(track(provider.pause(id)));
        expect(err).toMatchObject({ op: 'pause', retryable: false });
        expect((await provider.get(id))?.state).toBe('running');
      });
    }

    it('rejected credentials are a non-retryable ProviderError with HTTP 401/403', async () => {
      const bad = await h.makeProvider({ timeoutMs: NORMAL_TIMEOUT_MS, logger, badCredentials: true });
      const err = await rejection(track(bad.list()));
      expect(err.retryable).toBe(false);
      expect([401, 403]).toContain(err.status);
    });

    it('never puts a secret in an error or a log line', () => {
      expect(errors.length).toBeGreaterThanOrEqual(3);
      const text = [...lines, ...errors.map((e) => (e instanceof Error ? `${e.message}\n${e.stack}\n${JSON.stringify(e)}` : String(e)))].join('\n');
      for (const s of h.secrets) expect(text).not.toContain(s);
    });
  });
}
