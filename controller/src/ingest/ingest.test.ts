// Agent ingest over real sockets: authentication before the upgrade, token-bound instances, bad frames closing only
// their own connection, replay dedupe, skew correction, one voice per instance, trusted time, prepare-pause, dead
// sockets and shutdown.
import { connect as netConnect } from 'node:net';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../../../protocol';
import { startTestController, type TestController, waitFor } from '../../../test/helpers/in-process-controller';
import { SimAgent } from '../../../test/sim-agent';

let ctl: TestController;
const agents: SimAgent[] = [];

beforeAll(async () => {
  ctl = await startTestController({}, { ingest: { pingIntervalMs: 200, prepareGraceMs: 100, statsLogIntervalMs: 300, probeTimeoutMs: 300 } });
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
});
afterAll(async () => {
  await ctl.stop();
});

function agent(instanceId: string, opts: Partial<ConstructorParameters<typeof SimAgent>[0]> = {}): SimAgent {
  const token = ctl.server.store.createToken(instanceId, Date.now());
  const a = new SimAgent({ url: ctl.wsUrl, token, gpus: 2, ...opts });
  agents.push(a);
  return a;
}

/** A valid one-GPU batch of the agent's run, sent as is (no buffering): for replay and bad-frame tests. */
function batchOf(a: Pick<SimAgent, 'runId'>) {
  const t = Date.now();
  return {
    v: PROTOCOL_VERSION,
    type: 'batch',
    runId: a.runId,
    seq: 1,
    t0: t - 10_000,
    t1: t,
    sentAt: t,
    gpus: [{ index: 0, uuid: null, count: 10, utilUnknown: 0, util: { min: 0, mean: 0, max: 0 }, memUsed: null, memTotal: null, temp: null, power: null }],
    procs: 0,
    health: { state: 'ok' },
    dropped: 0,
  };
}

/** The HTTP status of an upgrade attempt that is refused. */
function upgradeStatus(headers: Record<string, string>, path = '/agent'): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(ctl.url.replace(/^http/, 'ws') + path, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      ws.terminate();
      reject(new Error('upgrade was accepted'));
    });
    ws.on('error', () => undefined);
  });
}

describe('authentication', () => {
  it('refuses a missing, malformed, unknown or revoked token with HTTP 401 before upgrading', async () => {
    const token = ctl.server.store.createToken('vast:auth-1', Date.now());
    expect(await upgradeStatus({})).toBe(401);
    expect(await upgradeStatus({ authorization: token })).toBe(401);
    expect(await upgradeStatus({ authorization: 'Bearer co_' + 'x'.repeat(43) })).toBe(401);
    expect(await upgradeStatus({ authorization: 'Basic ' + Buffer.from('a:b').toString('base64') })).toBe(401);
    ctl.server.store.revokeTokens('vast:auth-1', Date.now());
    expect(await upgradeStatus({ authorization: `Bearer ${token}` })).toBe(401);
    expect(await upgradeStatus({ authorization: `Bearer ${token}` }, '/elsewhere')).toBe(404);
    expect(ctl.logs.some((l) => l.includes(token))).toBe(false);
  });

  it('binds the connection to the token: a hello claiming another instance still writes only the token holder', async () => {
    ctl.server.store.ensureInstance('vast:victim', Date.now());
    const a = agent('vast:attacker', { helloOverrides: { identity: { provider: 'vast', providerId: 'victim', source: 'override' } } });
    const welcome = await a.connect();
    expect(welcome.instanceId).toBe('vast:attacker');
    const seq = a.sendBatch(0);
    await a.waitForAck(seq);
    expect(ctl.server.store.sampleCount('vast:attacker')).toBe(1);
    expect(ctl.server.store.sampleCount('vast:victim')).toBe(0);
    expect(ctl.server.store.getInstance('vast:victim')!.agentFacts).toBeNull();
  });
});

describe('streaming', () => {
  it('stores batches, acks after commit, records host facts and tells listeners', async () => {
    const heard: string[] = [];
    const off = ctl.server.store.onSamplesCommitted((id, summaries) => summaries.forEach(() => heard.push(id)));
    const a = agent('manual:stream-1');
    await a.connect();
    const last = [10, 20, 30].map((u) => a.sendBatch(u)).at(-1)!;
    await a.waitForAck(last);
    off();
    expect(a.buffer).toHaveLength(0);
    expect(ctl.server.store.recentSamples('manual:stream-1', 0).map((s) => s.utilMax)).toEqual([10, 20, 30]);
    expect(heard.filter((h) => h === 'manual:stream-1')).toHaveLength(3);
    await waitFor(() => ctl.server.store.getInstance('manual:stream-1')!.agentFacts?.hello?.runId === a.runId, 5_000, 'hello stored');
    await waitFor(() => ctl.logs.some((l) => /ingest: \d+ agents, [\d.]+ batches\/s .* receive-to-ack p50 [\d.]+ ms/.test(l)), 5_000, 'stats line');
    expect(ctl.server.ingest.isConnected('manual:stream-1')).toBe(true);
  });

  it('corrects agent clock skew with the frame send time', async () => {
    const a = agent('manual:skewed', { clockOffsetMs: 3_600_000 });
    const before = Date.now();
    await a.connect();
    await a.waitForAck(a.sendBatch(5));
    const [s] = ctl.server.store.recentSamples('manual:skewed', 0);
    expect(Math.abs(s!.t1 - Date.now())).toBeLessThan(60_000);
    // A new run's first batch counts only from the moment it connected (trusted time), not 10 s before.
    expect(s!.t1 - s!.t0).toBeLessThanOrEqual(10_000);
    expect(s!.t0).toBeGreaterThanOrEqual(before);
  });

  it('replays after a reconnect without duplicates: the welcome carries the acked sequence', async () => {
    const token = ctl.server.store.createToken('manual:replay', Date.now());
    const a = new SimAgent({ url: ctl.wsUrl, token, gpus: 1, runId: 'replay-run-0001' });
    agents.push(a);
    await a.connect();
    for (let i = 0; i < 5; i++) a.sendBatch(i);
    await a.waitForAck(5);
    await a.close();
    // Same run reconnects and (wrongly) resends 3..5 plus a new 6: only 6 is new.
    const b = new SimAgent({ url: ctl.wsUrl, token, gpus: 1, runId: 'replay-run-0001' });
    agents.push(b);
    const welcome = await b.connect();
    expect(welcome.ackedSeq).toBe(5);
    for (const seq of [3, 4, 5, 6]) b.sendRaw(JSON.stringify({ ...batchOf(b), seq }));
    await waitFor(() => b.ackedSeq >= 6, 10_000, 'ack 6');
    expect(ctl.server.store.sampleCount('manual:replay')).toBe(6);
  });
});

describe('one voice per instance', () => {
  it('keeps the first healthy connection: a second one with the same token gets HTTP 409, a WARN line and a contest', async () => {
    const token = ctl.server.store.createToken('manual:twice', Date.now());
    const first = new SimAgent({ url: ctl.wsUrl, token, gpus: 1 });
    const second = new SimAgent({ url: ctl.wsUrl, token, gpus: 1 });
    agents.push(first, second);
    const heard: string[] = [];
    ctl.server.ingest.onContest((id, c) => heard.push(`${id} ${c.addresses.join(' ')}`));
    await first.connect();
    await expect(second.connect()).rejects.toMatchObject({ status: 409 });
    expect(first.connected).toBe(true);
    await first.waitForAck(first.sendBatch(1));
    expect(ctl.server.ingest.connection('manual:twice')!.runId).toBe(first.runId);
    const c = ctl.server.ingest.contested('manual:twice');
    expect(c).not.toBeNull();
    expect(c!.until).toBeGreaterThan(Date.now());
    expect(c!.addresses).toHaveLength(2);
    const warn = ctl.logs.find((l) => l.includes('WARN') && l.includes('manual:twice') && l.includes('Two agents report'));
    expect(warn).toBeDefined();
    for (const a of c!.addresses) expect(warn).toContain(a);
    expect(heard).toEqual([`manual:twice ${c!.addresses.join(' ')}`]);
    expect(ctl.logs.some((l) => l.includes(token))).toBe(false);
  });

  it('lets a restarted agent in at once when the old socket closed', async () => {
    const token = ctl.server.store.createToken('manual:restart', Date.now());
    const old = new SimAgent({ url: ctl.wsUrl, token, gpus: 1 });
    agents.push(old);
    await old.connect();
    await old.close();
    const fresh = new SimAgent({ url: ctl.wsUrl, token, gpus: 1 });
    agents.push(fresh);
    await fresh.connect();
    await fresh.waitForAck(fresh.sendBatch(1));
    expect(ctl.server.ingest.contested('manual:restart')).toBeNull();
  });

  it('replaces a holder that no longer answers pings (a host that vanished) after one probe, without a contest', async () => {
    const token = ctl.server.store.createToken('manual:vanished', Date.now());
    const port = new URL(ctl.url).port;
    // A raw TCP client that completes the handshake and then never answers a ping: a half-open socket.
    const sock = netConnect(Number(port), '127.0.0.1');
    sock.on('error', () => undefined);
    sock.write(
      `GET /agent HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
        `Sec-WebSocket-Version: 13\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
    sock.resume();
    await waitFor(() => ctl.server.ingest.isConnected('manual:vanished'), 5_000, 'raw socket accepted');
    const fresh = new SimAgent({ url: ctl.wsUrl, token, gpus: 1 });
    agents.push(fresh);
    await fresh.connect();
    await fresh.waitForAck(fresh.sendBatch(1));
    expect(ctl.server.ingest.connection('manual:vanished')!.runId).toBe(fresh.runId);
    expect(ctl.server.ingest.contested('manual:vanished')).toBeNull();
    sock.destroy();
  });
});

describe('trusted time', () => {
  const idleBatch = (a: SimAgent, seq: number, t0: number, t1: number) => JSON.stringify({ ...batchOf(a), seq, t0, t1, sentAt: Date.now() });

  it("counts a new run's back-dated history from the moment it connected only", async () => {
    const a = agent('manual:backdated', { gpus: 1 });
    const connectedBy = Date.now();
    await a.connect();
    const now = Date.now();
    // A day of idle history, 10 s a batch, sent in a burst with a fresh sentAt: what a stolen token could forge.
    for (let i = 0; i < 50; i++) a.sendRaw(idleBatch(a, i + 1, now - 86_400_000 + i * 10_000, now - 86_400_000 + (i + 1) * 10_000));
    await waitFor(() => a.ackedSeq >= 50, 10_000, 'acks');
    const stored = ctl.server.store.recentSamples('manual:backdated', 0);
    expect(stored).toHaveLength(50);
    for (const s of stored) expect(s.t0).toBeGreaterThanOrEqual(connectedBy);
    expect(ctl.logs.some((l) => l.includes('manual:backdated') && l.includes('earliest time this connection can vouch for'))).toBe(true);
  });

  it('lets a known run replay what the controller missed, from its last stored sample on', async () => {
    const token = ctl.server.store.createToken('manual:outage', Date.now());
    const runId = 'outage-run-0001';
    const t = Date.now();
    // The controller last heard from this run 20 min ago (its batch 1 is stored); then the link was down.
    const gpus = batchOf({ runId }).gpus;
    ctl.server.store.insertSamples(
      [
        {
          instanceId: 'manual:outage',
          source: 'agent',
          t0: t - 20 * 60_000 - 10_000,
          t1: t - 20 * 60_000,
          gpus,
          procs: 0,
          health: { state: 'ok' },
          run: { runId, seq: 1 },
        },
      ],
      t,
    );
    const lastEnd = ctl.server.store.lastAgentSampleEnd('manual:outage')!;
    const b = new SimAgent({ url: ctl.wsUrl, token, gpus: 1, runId });
    agents.push(b);
    const connectedBy = Date.now();
    expect((await b.connect()).ackedSeq).toBe(1);
    // The replay of the buffer: 120 batches of 10 s covering the outage, then one overlapping what was stored.
    for (let i = 0; i < 120; i++) b.sendRaw(idleBatch(b, i + 2, lastEnd + i * 10_000, lastEnd + (i + 1) * 10_000));
    b.sendRaw(idleBatch(b, 122, lastEnd - 60_000, lastEnd + 5));
    await waitFor(() => b.ackedSeq >= 122, 10_000, 'acks');
    const stored = ctl.server.store.recentSamples('manual:outage', 0);
    expect(stored).toHaveLength(122);
    // The missed time keeps its place (within the network delay the skew correction adds)...
    const replayed = stored.filter((s) => s.t1 - s.t0 === 10_000);
    expect(replayed.length).toBeGreaterThanOrEqual(120);
    expect(Math.min(...replayed.map((s) => s.t0))).toBeLessThan(connectedBy - 19 * 60_000);
    // ...and nothing reaches back over time the controller already had.
    for (const s of stored.slice(1)) expect(s.t0).toBeGreaterThanOrEqual(lastEnd);
  });
});

describe('bad frames', () => {
  const hugeArray = JSON.stringify({ pad: 'x'.repeat(MAX_FRAME_BYTES + 10) });
  const cases: [string, (a: SimAgent) => string | Buffer, number, RegExp][] = [
    ['invalid JSON', () => '{"type": "batch",', CloseCode.BadFrame, /invalid JSON/],
    ['not an object', () => '[1,2,3]', CloseCode.BadFrame, /JSON object/],
    ['unknown type', () => JSON.stringify({ v: 1, type: 'rm -rf' }), CloseCode.BadFrame, /unknown message type/],
    ['binary frame', () => Buffer.from([1, 2, 3]), CloseCode.BadFrame, /binary/],
    ['wrong types', (a) => JSON.stringify({ ...batchOf(a), seq: 'one' }), CloseCode.BadFrame, /seq/],
    ['negative numbers', (a) => JSON.stringify({ ...batchOf(a), procs: -1 }), CloseCode.BadFrame, /procs/],
    ['NaN', (a) => JSON.stringify(batchOf(a)).replace('"procs":0', '"procs":NaN'), CloseCode.BadFrame, /invalid JSON/],
    ['infinite numbers', (a) => JSON.stringify(batchOf(a)).replace('"procs":0', '"procs":1e999'), CloseCode.BadFrame, /procs/],
    [
      'huge utilization',
      (a) => JSON.stringify({ ...batchOf(a), gpus: [{ ...batchOf(a).gpus[0], util: { min: 0, mean: 50, max: 1e6 } }] }),
      CloseCode.BadFrame,
      /util/,
    ],
    ['unknown fields', (a) => JSON.stringify({ ...batchOf(a), instanceId: 'vast:other' }), CloseCode.BadFrame, /Unrecognized key/],
    ['far-future t1', (a) => JSON.stringify({ ...batchOf(a), t1: Date.now() + 3_600_000, sentAt: Date.now() }), CloseCode.BadFrame, /future/],
    ['another run', (a) => JSON.stringify({ ...batchOf(a), runId: 'someone-else-run' }), CloseCode.BadFrame, /runId/],
    ['second hello', (a) => JSON.stringify(a.hello()), CloseCode.BadFrame, /hello sent twice/],
    ['oversize frame', () => hugeArray, CloseCode.MessageTooBig, /.*/],
  ];

  it.each(cases)('%s closes only that connection and stores nothing from it', async (name, frame, code, reason) => {
    const good = agent(`manual:good-${name.replace(/\W/g, '-')}`);
    await good.connect();
    await good.waitForAck(good.sendBatch(1));
    const badId = `manual:bad-${name.replace(/\W/g, '-')}`;
    const bad = agent(badId, { gpus: 1 });
    await bad.connect();
    const closed = bad.nextClose();
    bad.sendRaw(frame(bad));
    const c = await closed;
    expect(c.code).toBe(code);
    expect(c.reason).toMatch(reason);
    expect(Buffer.byteLength(c.reason)).toBeLessThanOrEqual(123);
    expect(ctl.server.store.sampleCount(badId)).toBe(0);
    // The good agent is unaffected and keeps streaming.
    await good.waitForAck(good.sendBatch(2));
    expect(good.connected).toBe(true);
    expect(ctl.server.store.sampleCount(good.welcome!.instanceId)).toBe(2);
  });

  it('refuses a batch before the hello', async () => {
    const token = ctl.server.store.createToken('manual:no-hello', Date.now());
    const ws = new WebSocket(ctl.wsUrl, { headers: { authorization: `Bearer ${token}` } });
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<[number, string]>((r) => ws.once('close', (code, reason) => r([code, reason.toString()])));
    ws.send(JSON.stringify(batchOf({ runId: 'whatever-run' })));
    const [code, reason] = await closed;
    expect(code).toBe(CloseCode.BadFrame);
    expect(reason).toMatch(/first frame must be hello/);
    expect(ctl.server.store.sampleCount('manual:no-hello')).toBe(0);
    expect(ctl.logs.some((l) => l.includes('bad frame from agent manual:no-hello'))).toBe(true);
  });
});

describe('control', () => {
  it('relays prepare-pause to the connected agent and returns its answer', async () => {
    const a = agent('manual:pp', {
      onPreparePause: (m) => ({
        v: PROTOCOL_VERSION,
        type: 'prepare-pause-result',
        requestId: m.requestId,
        outcome: 'ok',
        exitCode: 0,
        durationMs: 12,
        output: 'saved',
      }),
    });
    await a.connect();
    const r = await ctl.server.ingest.requestPreparePause('manual:pp', 1_000);
    expect(r).toMatchObject({ outcome: 'ok', exitCode: 0, output: 'saved' });
    expect(await ctl.server.ingest.requestPreparePause('manual:not-connected', 1_000)).toBeNull();
    await expect(ctl.server.ingest.requestPreparePause('manual:pp', 0)).rejects.toThrow(RangeError);
  });

  it('returns null when the agent does not answer in time or disconnects', async () => {
    const a = agent('manual:silent', { onPreparePause: () => null });
    await a.connect();
    expect(await ctl.server.ingest.requestPreparePause('manual:silent', 50)).toBeNull();
    const pending = ctl.server.ingest.requestPreparePause('manual:silent', 60_000);
    await a.close();
    expect(await pending).toBeNull();
  });

  it('drops a socket that stops answering pings', async () => {
    const token = ctl.server.store.createToken('manual:dead', Date.now());
    const port = new URL(ctl.url).port;
    // A raw TCP client that completes the handshake and then never reads or answers a ping.
    const sock = netConnect(Number(port), '127.0.0.1');
    sock.write(
      `GET /agent HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
        `Sec-WebSocket-Version: 13\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
    const ended = new Promise<void>((r) => sock.once('close', () => r()));
    sock.on('error', () => undefined);
    // Read (and ignore) what arrives, pings included, so the close is seen; a pong is never sent.
    sock.resume();
    await waitFor(() => ctl.server.ingest.isConnected('manual:dead'), 5_000, 'raw socket accepted');
    await ended;
    await waitFor(() => !ctl.server.ingest.isConnected('manual:dead'), 5_000, 'dead socket dropped');
    expect(ctl.logs.some((l) => l.includes('manual:dead') && l.includes('stopped answering pings'))).toBe(true);
  });
});

describe('shutdown', () => {
  it('commits and acks what it received, then closes agents with 1001', async () => {
    const own = await startTestController();
    try {
      const token = own.server.store.createToken('manual:bye', Date.now());
      const a = new SimAgent({ url: own.wsUrl, token, gpus: 1 });
      agents.push(a);
      await a.connect();
      const closed = a.nextClose();
      const seq = a.sendBatch(1);
      await waitFor(() => own.server.ingest.stats().frames >= 2, 5_000, 'batch received');
      await own.server.close();
      expect((await closed).code).toBe(CloseCode.GoingAway);
      expect(a.ackedSeq).toBe(seq);
    } finally {
      await own.stop();
    }
  });
});
