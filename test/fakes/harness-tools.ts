// Shared pieces of the contract harnesses: test retry policy and fault/request helpers over a fake server.
import type { ContractCall, ContractFault, ContractRequest } from '../support/provider-contract';
import type { FakeServer } from '../../controller/src/fake-world/fake-http';

/** Tiny delays so retries cost milliseconds in tests. */
export const TEST_RETRY = { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 20, factor: 2, jitter: 0.5 };

export type Matchers = Record<ContractCall, { method: string; path: RegExp; body?: (r: ContractRequest) => boolean }>;

export function faultTools(fake: FakeServer, m: Matchers) {
  const matches = (call: ContractCall, r: ContractRequest) => r.method === m[call].method && m[call].path.test(r.path) && (m[call].body?.(r) ?? true);
  return {
    inject: (fault: ContractFault, call: ContractCall, times = 1) => fake.injectFault({ kind: fault, method: m[call].method, path: m[call].path, times }),
    clearFaults: () => fake.clearFaults(),
    requests: () => [...fake.requests],
    clearRequests: () => fake.clearRequests(),
    callsOf: (call: ContractCall, reqs: ContractRequest[]) => reqs.filter((r) => matches(call, r)),
    close: () => fake.close(),
  };
}
