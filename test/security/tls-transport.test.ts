// Attacks on the agent <-> controller transport, over real TLS on loopback with certificates made by openssl:
// a pinned agent streams to a self-signed controller; an agent with a wrong pin talking to a CA-valid impostor sends
// nothing; the TLS port never answers plain HTTP; ws:// to a public address is refused; a public controller without
// certificate files makes its own and still speaks TLS only; a renewed certificate is served without dropping agents.
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build';
import { waitFor } from '../helpers/in-process-controller';
import { storedSeqs } from '../helpers/sample-db';
import { killAllAgents, spawnAgent, type SpawnedAgent } from '../helpers/spawn-agent';
import { killAllControllers, spawnController, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { type CertPair, certificateAuthority, httpsJson, selfSigned } from '../helpers/tls-certs';

const ADMIN = 'admin-token-for-tls-tests-0123456789';
const dir = makeTempDir('co-sec-tls-');

afterAll(() => {
  killAllAgents();
  killAllControllers();
  dir.cleanup();
});

async function mintToken(ctl: SpawnedController, cert: Buffer, instanceId: string): Promise<string> {
  const r = await httpsJson(`${ctl.url}/api/tokens`, cert, { method: 'POST', body: { instanceId }, headers: { authorization: `Bearer ${ADMIN}` } });
  expect(r.status).toBe(201);
  return (r.body as { token: string }).token;
}

/** Writes a raw HTTP request on a plain TCP connection and returns whatever came back before the close. */
function plainHttp(port: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = netConnect(port, '127.0.0.1', () => s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', () => undefined);
    s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

/** The subject CN of the certificate a fresh TLS handshake gets from port. */
function servedCn(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const cn = s.getPeerCertificate().subject.CN;
      s.destroy();
      resolve(Array.isArray(cn) ? cn.join(',') : (cn ?? ''));
    });
    s.on('error', reject);
  });
}

describe('a controller with TLS_CERT_FILE / TLS_KEY_FILE', () => {
  let ctl: SpawnedController;
  let pair: CertPair;
  let pinnedAgent: SpawnedAgent;
  beforeAll(async () => {
    ensureBuilt();
    pair = selfSigned(dir.path, 'controller', { cn: 'first' });
    ctl = await spawnController({ dataDir: join(dir.path, 'data1'), env: { TLS_CERT_FILE: pair.certFile, TLS_KEY_FILE: pair.keyFile, ADMIN_TOKEN: ADMIN } });
  });

  it('serves HTTPS and WSS: an agent with the right CONTROLLER_PIN streams (self-signed, no CA involved)', async () => {
    expect(ctl.url.startsWith('https://')).toBe(true);
    expect(ctl.output()).toContain(pair.pin);
    const token = await mintToken(ctl, pair.cert, 'manual:pinned');
    const agent = (pinnedAgent = spawnAgent({ controllerWsUrl: ctl.wsUrl, token, dir: dir.path, name: 'pinned', env: { CONTROLLER_PIN: pair.pin } }));
    await waitFor(() => (storedSeqs(ctl.dataDir).find((r) => r.instanceId === 'manual:pinned')?.seqs.length ?? 0) >= 3, 30_000, 'pinned agent streaming');
    expect(agent.output()).toContain('connected to the controller as manual:pinned');
  });

  it('gives no plain-HTTP answer on the TLS port', async () => {
    const answer = await plainHttp(ctl.port);
    expect(answer).not.toMatch(/^HTTP\//);
    await expect(fetch(`http://127.0.0.1:${ctl.port}/healthz`)).rejects.toThrow();
  });

  it('serves a replaced certificate to new connections without dropping the live agent', async () => {
    const before = storedSeqs(ctl.dataDir).find((r) => r.instanceId === 'manual:pinned')!.seqs.length;
    expect(await servedCn(ctl.port)).toBe('first');
    // A renewal as certbot does it with --reuse-key: new certificate, same key (so the pin holds), swapped by rename.
    const renewed = selfSigned(dir.path, 'renewed', { keyFile: pair.keyFile, cn: 'second' });
    expect(renewed.pin).toBe(pair.pin);
    writeFileSync(`${pair.certFile}.tmp`, renewed.cert);
    renameSync(`${pair.certFile}.tmp`, pair.certFile);
    await waitFor(async () => (await servedCn(ctl.port)) === 'second', 30_000, 'the renewed certificate being served');
    expect(ctl.output()).toContain('TLS certificate reloaded');
    // The agent's connection from before the renewal is the same one: it keeps streaming and never reconnected.
    await waitFor(
      () => storedSeqs(ctl.dataDir).find((r) => r.instanceId === 'manual:pinned')!.seqs.length >= before + 3,
      30_000,
      'streaming after the renewal',
    );
    const agentLog = pinnedAgent.output();
    expect(agentLog.match(/connected to the controller/g)?.length).toBe(1);
    expect(agentLog).not.toContain('controller link down');
  });
});

describe('an agent whose pin does not match (a man in the middle with a CA-valid certificate)', () => {
  let impostor: TlsServer;
  let port = 0;
  const received: Buffer[] = [];
  let handshakes = 0;
  beforeAll(async () => {
    ensureBuilt();
    const ca = certificateAuthority(dir.path, 'test-ca');
    const leaf = ca.issue('impostor');
    impostor = createTlsServer({ cert: leaf.cert, key: readFileSync(leaf.keyFile) }, (socket) => {
      socket.on('data', (d: Buffer) => received.push(d));
      socket.on('error', () => undefined);
    });
    // Counted at the TCP level: the agent hangs up right after its side of the handshake, before the server's completes.
    impostor.on('connection', () => handshakes++);
    await new Promise<void>((r) => impostor.listen(0, '127.0.0.1', r));
    port = (impostor.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => impostor.close(() => r())));

  it('never sends its token (no upgrade request, no byte at all) though the CA would vouch for the impostor', async () => {
    const ca = join(dir.path, 'test-ca.crt');
    const wrongPin = selfSigned(dir.path, 'real-controller').pin;
    const agent = spawnAgent({
      controllerWsUrl: `wss://localhost:${port}/agent`,
      token: 'secret-agent-token-that-must-not-leak',
      dir: dir.path,
      name: 'wrong-pin',
      env: { CONTROLLER_PIN: wrongPin, NODE_EXTRA_CA_CERTS: ca },
    });
    await waitFor(() => /is not CONTROLLER_PIN/.test(agent.output()), 30_000, 'the agent refusing the key');
    expect(handshakes).toBeGreaterThanOrEqual(1);
    expect(Buffer.concat(received).length).toBe(0);
    expect(agent.output()).not.toContain('secret-agent-token');
    await agent.stop();

    // Control: without a pin the same agent trusts the CA and sends its upgrade with the token, so the check above
    // could have seen one.
    const unpinned = spawnAgent({
      controllerWsUrl: `wss://localhost:${port}/agent`,
      token: 'visible-token-0123456789',
      dir: dir.path,
      name: 'no-pin',
      env: { NODE_EXTRA_CA_CERTS: ca },
    });
    await waitFor(() => Buffer.concat(received).toString().includes('Bearer visible-token-0123456789'), 30_000, 'the unpinned agent sending its upgrade');
    await unpinned.stop();
  });
});

describe('plain text to a public address', () => {
  it('an agent pointed at ws:// on a non-loopback address exits non-zero with one clear line', async () => {
    ensureBuilt();
    // 192.0.2.0/24 is TEST-NET-1: nothing answers there, so an agent that tried would just keep retrying.
    const agent = spawnAgent({ controllerWsUrl: 'ws://192.0.2.10:8080/agent', token: 'tok-0123456789abcdef', dir: dir.path, name: 'plain' });
    const code = await new Promise<number | null>((resolve) => agent.proc.once('exit', (c) => resolve(c)));
    expect(code).not.toBe(0);
    const lines = agent.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/refusing plain ws:\/\/ to 192\.0\.2\.10:8080.*ALLOW_PLAINTEXT=true/);
    expect(lines[0]).not.toContain('tok-0123456789abcdef');
  });

  it('a controller on 0.0.0.0 without certificate files makes its own (0600, kept) and never answers plain HTTP', async () => {
    ensureBuilt();
    const dataDir = join(dir.path, 'data-public');
    const ctl = await spawnController({ dataDir, env: { HOST: '0.0.0.0', ADMIN_TOKEN: ADMIN } });
    expect(ctl.url.startsWith('https://')).toBe(true);
    for (const f of ['tls-cert.pem', 'tls-key.pem']) expect((statSync(join(dataDir, f)).mode & 0o777).toString(8)).toBe('600');
    expect(await plainHttp(ctl.port)).not.toMatch(/^HTTP\//);
    const cert = readFileSync(join(dataDir, 'tls-cert.pem'));
    const status = await httpsJson(`${ctl.url}/api/status`, cert, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(status.status).toBe(200);
    const pin = /key pin (sha256\/\/\S+)/.exec(ctl.output())?.[1];
    expect(pin).toMatch(/^sha256\/\//);
    await ctl.stop();
    // Restarted: the same key, so pinned agents keep working.
    const again = await spawnController({ dataDir, env: { HOST: '0.0.0.0', ADMIN_TOKEN: ADMIN } });
    expect(/key pin (sha256\/\/\S+)/.exec(again.output())?.[1]).toBe(pin);
    await again.stop();
  });
});
