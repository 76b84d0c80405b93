// The reverse-proxy path of docs/tls.md, with a real nginx terminating TLS (a certificate from a test CA the host
// trusts, as a Let's Encrypt one would be) in front of a loopback controller with TRUST_PROXY: install.sh names the
// proxy's https URL, and the line from `token create` (PUBLIC_URL, no pin needed) installs an agent that streams
// through nginx's WebSocket upgrade on /agent.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, ROOT } from '../helpers/build';
import { freshHost, runLine } from '../helpers/fresh-host';
import { freePort } from '../helpers/free-port';
import { waitFor } from '../helpers/in-process-controller';
import { killLeftovers } from '../helpers/install-host';
import { NGINX, startNginx } from '../helpers/nginx-proxy';
import { storedSeqs } from '../helpers/sample-db';
import { killAllControllers, spawnController, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { certificateAuthority, httpsJson } from '../helpers/tls-certs';

const dir = makeTempDir('co-sec-proxy-');
const cleanup: string[] = [];
let ctl: SpawnedController;
let proxy: Awaited<ReturnType<typeof startNginx>> | null = null;
let proxyPort: number;
let caFile: string;
let caCert: Buffer;

// nginx-light is installed by .ci/run and on the development machine; without it this path cannot be exercised.
describe.skipIf(NGINX === null)('behind an nginx TLS proxy (PUBLIC_URL, TRUST_PROXY)', () => {
  beforeAll(async () => {
    ensureBuilt();
    const ca = certificateAuthority(dir.path, 'proxy-ca');
    const leaf = ca.issue('proxy');
    caFile = ca.certFile;
    caCert = ca.cert;
    ctl = await spawnController({ dataDir: join(dir.path, 'data'), env: { TRUST_PROXY: 'true', ADMIN_TOKEN: 'admin-token-for-proxy-tests-0123456789' } });
    proxyPort = await freePort();
    proxy = await startNginx({ dir: join(dir.path, 'nginx'), listenPort: proxyPort, upstreamPort: ctl.port, certFile: leaf.certFile, keyFile: leaf.keyFile });
  });
  afterAll(async () => {
    for (const r of cleanup) killLeftovers(r);
    await proxy?.stop();
    killAllControllers();
    for (const r of cleanup) rmSync(r, { recursive: true, force: true });
    dir.cleanup();
  });

  it("serves install.sh naming the proxy's https URL (from X-Forwarded-Proto/Host)", async () => {
    const { request, Agent } = await import('undici');
    const dispatcher = new Agent({ connect: { ca: caCert } });
    const res = await request(`https://localhost:${proxyPort}/install.sh`, { dispatcher });
    const text = await res.body.text();
    await dispatcher.close();
    expect(res.statusCode).toBe(200);
    expect(text).toContain(`CONTROLLER_URL_DEFAULT='https://localhost:${proxyPort}'`);
    // And the API answers through the proxy with ordinary CA verification.
    expect((await httpsJson(`https://localhost:${proxyPort}/healthz`, caCert)).status).toBeLessThan(600);
  });

  it('the install line from token create (PUBLIC_URL, no pin) installs an agent that streams through the proxy', async () => {
    const out = execFileSync(process.execPath, [CLI, 'token', 'create', 'manual:behind-proxy'], {
      cwd: ROOT,
      // The controller host trusts the proxy's CA as it would Let's Encrypt: token create checks that the unpinned
      // https line will verify before it prints it.
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: '/tmp',
        DATA_DIR: ctl.dataDir,
        PUBLIC_URL: `https://localhost:${proxyPort}`,
        NODE_EXTRA_CA_CERTS: caFile,
      },
      encoding: 'utf8',
    });
    const line = out.split('\n')[1]!;
    expect(line).toMatch(
      /^curl -fsS --proto =https 'https:\/\/localhost:\d+\/install\.sh' \| AGENT_TOKEN='co_[^']+' sh -s -- --controller 'https:\/\/localhost:\d+'$/,
    );
    expect(line).not.toContain('pinnedpubkey');
    // The host trusts the proxy's CA as it would trust Let's Encrypt: curl and the agent verify it the ordinary way.
    const host = freshHost({ CURL_CA_BUNDLE: caFile, NODE_EXTRA_CA_CERTS: caFile });
    cleanup.push(...host.dirs);
    const r = await runLine(line, host);
    expect(r.code, r.out).toBe(0);
    const envFile = readFileSync(join(host.root, 'etc/cost-optimizer/agent.env'), 'utf8');
    expect(envFile).toContain(`CONTROLLER_URL='wss://localhost:${proxyPort}/agent'`);
    expect(envFile).not.toContain('CONTROLLER_PIN');
    await waitFor(
      () => (storedSeqs(ctl.dataDir).find((s) => s.instanceId === 'manual:behind-proxy')?.seqs.length ?? 0) >= 2,
      60_000,
      'the agent streaming through nginx',
    );
    execFileSync('/usr/bin/dash', [join(host.root, 'opt/cost-optimizer/supervise'), 'stop']);
  });
});
