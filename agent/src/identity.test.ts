// Identity detection order, with a local stand-in for the GCE metadata server.
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { IdentitySchema } from '../../protocol';
import { detectIdentity, parseOverride } from './identity';
import { memoryLogger } from '../../test/support/memory-logger';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => {
      const closed = new Promise((r) => s.close(r));
      s.closeAllConnections();
      return closed;
    }),
  );
});

async function metadataServer(opts: { flavor?: string; delayMs?: number } = {}) {
  const seen: { url: string; flavor: string | undefined }[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', flavor: req.headers['metadata-flavor'] as string | undefined });
    const body = req.url?.endsWith('/instance/name') ? 'gpu-box-1' : req.url?.endsWith('/instance/zone') ? 'projects/123456/zones/us-central1-a' : null;
    setTimeout(() => {
      if (body === null || req.headers['metadata-flavor'] !== 'Google') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Metadata-Flavor': opts.flavor ?? 'Google', 'Content-Type': 'application/text' }).end(body);
    }, opts.delayMs ?? 0);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/computeMetadata/v1`, seen };
}

const base = { instanceIdOverride: null, vastContainerId: null, logger: memoryLogger().logger };

describe('detectIdentity', () => {
  it('prefers the INSTANCE_ID override, split into provider and id when prefixed', async () => {
    const md = await metadataServer();
    const id = await detectIdentity({ ...base, instanceIdOverride: 'vast:42', vastContainerId: '7', gcpMetadataUrl: md.url });
    expect(id).toEqual({ provider: 'vast', providerId: '42', source: 'override' });
    expect(parseOverride('my-box')).toEqual({ provider: null, providerId: 'my-box', source: 'override' });
    expect(parseOverride('gcp:us-east1-b/vm')).toEqual({ provider: 'gcp', providerId: 'us-east1-b/vm', source: 'override' });
    expect(md.seen).toEqual([]);
  });

  it("uses Vast.ai's CONTAINER_ID next", async () => {
    const id = await detectIdentity({ ...base, vastContainerId: '123456', gcpMetadataUrl: 'http://127.0.0.1:1' });
    expect(id).toEqual({ provider: 'vast', providerId: '123456', source: 'vast-env' });
  });

  it('asks the GCE metadata server with Metadata-Flavor: Google and builds <zone>/<name>', async () => {
    const md = await metadataServer();
    // A generous limit: the 300 ms default is for real hosts, not a loaded test machine.
    const id = await detectIdentity({ ...base, gcpMetadataUrl: md.url, gcpTimeoutMs: 10_000 });
    expect(id).toEqual({ provider: 'gcp', providerId: 'us-central1-a/gpu-box-1', source: 'gcp-metadata' });
    expect(IdentitySchema.safeParse(id).success).toBe(true);
    expect(md.seen.every((s) => s.flavor === 'Google')).toBe(true);
  });

  it('gives none when nothing answers, answers too slowly, or answers without the GCE header', async () => {
    const none = { provider: null, providerId: null, source: 'none' };
    expect(await detectIdentity({ ...base, gcpMetadataUrl: 'http://127.0.0.1:1/x' })).toEqual(none);
    const slow = await metadataServer({ delayMs: 2000 });
    expect(await detectIdentity({ ...base, gcpMetadataUrl: slow.url, gcpTimeoutMs: 200 })).toEqual(none);
    const fake = await metadataServer({ flavor: 'NotGoogle' });
    expect(await detectIdentity({ ...base, gcpMetadataUrl: fake.url, gcpTimeoutMs: 10_000 })).toEqual(none);
  });
});
