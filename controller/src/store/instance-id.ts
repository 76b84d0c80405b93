// Instance ids are `<provider>:<provider's id>` (docs/api.md): parsing and validation in one place.
import type { ProviderName } from '../domain/instance';

export const PROVIDER_NAMES: readonly ProviderName[] = ['vast', 'tensordock', 'gcp', 'manual'];

export interface ParsedInstanceId {
  provider: ProviderName;
  providerId: string;
}

/** The provider's part: 1-256 printable characters, no whitespace or control characters (they would break logs and URLs). */
const PROVIDER_ID = /^[\x21-\x7e]{1,256}$/;

/** `vast:123` -> {provider: 'vast', providerId: '123'}; null for anything malformed. */
export function parseInstanceId(id: string): ParsedInstanceId | null {
  const colon = id.indexOf(':');
  if (colon <= 0) return null;
  const provider = id.slice(0, colon);
  const providerId = id.slice(colon + 1);
  if (!(PROVIDER_NAMES as readonly string[]).includes(provider)) return null;
  if (!PROVIDER_ID.test(providerId)) return null;
  return { provider: provider as ProviderName, providerId };
}

/** A one-line reason why `id` is not a valid instance id, or null when it is. */
export function instanceIdProblem(id: string): string | null {
  if (parseInstanceId(id) !== null) return null;
  return `expected <provider>:<id> with provider one of ${PROVIDER_NAMES.join(', ')} and an id of 1-256 printable characters`;
}
