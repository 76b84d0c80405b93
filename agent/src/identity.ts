// Finds out which rented instance this host is, best first: INSTANCE_ID override > Vast.ai VAST_CONTAINERLABEL /
// CONTAINER_ID > GCP metadata. With an agent token it is informational (the token decides the instance); with a join
// token it is the claim the controller checks before granting one (docs/enrolment.md).
import { get } from 'node:http';
import type { Identity } from '../../protocol';
import { type Logger, errorMessage } from '../../protocol/log';

export const GCP_METADATA_URL = 'http://metadata.google.internal/computeMetadata/v1';
const PROVIDERS = ['vast', 'tensordock', 'gcp', 'manual'] as const;

export interface IdentityOptions {
  instanceIdOverride: string | null;
  /** The Vast.ai instance id from VAST_CONTAINERLABEL or CONTAINER_ID, digits only (config.ts checks). */
  vastContainerId: string | null;
  logger: Logger;
  /** Base of the GCE metadata server; tests point it at a local server. */
  gcpMetadataUrl?: string;
  gcpTimeoutMs?: number;
}

/** `vast:123` -> provider vast, id 123; anything without a known prefix is kept whole with provider null. */
export function parseOverride(value: string): Identity {
  const m = /^([a-z]+):(.+)$/.exec(value);
  const provider = m ? PROVIDERS.find((p) => p === m[1]) : undefined;
  if (m && provider) return { provider, providerId: m[2]!.slice(0, 256), source: 'override' };
  return { provider: null, providerId: value.slice(0, 256), source: 'override' };
}

/** One metadata value. node:http, not fetch: the first fetch() loads Node's bundled undici, ~8 MB of resident memory. */
function metadata(base: string, path: string, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(`${base}/${path}`, { headers: { 'Metadata-Flavor': 'Google' }, signal }, (res) => {
      // The real server answers with this header; anything else (a proxy, a captive portal) is not GCE.
      if (res.statusCode !== 200 || res.headers['metadata-flavor'] !== 'Google') {
        res.resume();
        reject(new Error(`${path}: HTTP ${res.statusCode}`));
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
        if (body.length > 4096) req.destroy(new Error(`${path}: answer too long`));
      });
      res.on('end', () => resolve(body.trim()));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** GCE: instance name and zone from the metadata server (https://cloud.google.com/compute/docs/metadata/overview). */
export async function gcpIdentity(base: string, timeoutMs: number): Promise<Identity | null> {
  const signal = AbortSignal.timeout(timeoutMs);
  const [name, zonePath] = await Promise.all([metadata(base, 'instance/name', signal), metadata(base, 'instance/zone', signal)]);
  // The zone comes as projects/<number>/zones/<zone>.
  const zone = zonePath.split('/').pop() ?? '';
  if (!/^[a-z0-9-]{1,63}$/.test(name) || !/^[a-z0-9-]{1,63}$/.test(zone)) return null;
  return { provider: 'gcp', providerId: `${zone}/${name}`, source: 'gcp-metadata' };
}

export async function detectIdentity(opts: IdentityOptions): Promise<Identity> {
  if (opts.instanceIdOverride !== null) return parseOverride(opts.instanceIdOverride);
  // Vast.ai sets VAST_CONTAINERLABEL=C.<id> (and, per common use, CONTAINER_ID) inside its containers.
  if (opts.vastContainerId !== null) return { provider: 'vast', providerId: opts.vastContainerId, source: 'vast-env' };
  try {
    const gcp = await gcpIdentity(opts.gcpMetadataUrl ?? GCP_METADATA_URL, opts.gcpTimeoutMs ?? 300);
    if (gcp) return gcp;
  } catch (e) {
    opts.logger.debug(`not on GCE (metadata server: ${errorMessage(e)})`);
  }
  return { provider: null, providerId: null, source: 'none' };
}
