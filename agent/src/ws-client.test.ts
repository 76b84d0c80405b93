// The controller link against a small real `ws` server (test/fakes/fake-agent-controller.ts).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type Batch, type Hello, HelloSchema, PROTOCOL_VERSION } from '../../protocol';
import { FakeAgentController } from '../../test/fakes/fake-agent-controller';
import { BatchBuffer } from './batch-buffer';
import { PreparePauseHandler } from './prepare-pause';
import { memoryLogger } from '../../test/support/memory-logger';
import { ControllerLink, type ControllerLinkOptions } from './ws-client';

const RUN = 'run-1234567890';
const TOKEN = 'tok-Secret-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'ws-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// An hour ago: the stored sentAt is old, so a (re)send must stamp a fresh one.
const T = Date.now() - 3_600_000;
const batch = (seq: number): Batch => ({
  v: PROTOCOL_VERSION,
  type: 'batch',
  runId: RUN,
  seq,
  t0: T + (seq - 1) * 1000,
  t1: T + seq * 1000,
  sentAt: T + seq * 1000,
  gpus: [],
  procs: 0,
  health: { state: 'ok' },
  dropped: 0,
});

const hello = (): Hello => ({
  v: PROTOCOL_VERSION,
  type: 'hello',
  agentVersion: '0.0.0-test',
  runId: RUN,
  sentAt: Date.now(),
  host: { hostname: 'h', os: 'Linux', kernel: '6', arch: 'x64', cpuModel: 'cpu', cpuCores: 2, memTotalMiB: 1024, nodeVersion: process.version },
  identity: { provider: null, providerId: null, source: 'none' },
  gpus: [{ index: 0, uuid: 'GPU-0', name: 'NVIDIA H100 80GB HBM3', memTotalMiB: 81559 }],
  sampleIntervalMs: 1000,
  reportIntervalMs: 1000,
  checkpointConfigured: true,
});

async function setup(fakeOpts: Parameters<typeof FakeAgentController.start>[0] = {}, opts: Partial<ControllerLinkOptions> = {}) {
  const fake = await FakeAgentController.start({ token: TOKEN, ...fakeOpts });
  const buffer = opts.buffer ?? new BatchBuffer(RUN, 100);
  const { logger, lines } = memoryLogger();
  const conn = new ControllerLink({
    urls: [fake.url],
    token: TOKEN,
    runId: RUN,
    buffer,
    logger,
    hello,
    onPreparePause: (req) =>
      Promise.resolve({ v: 1, type: 'prepare-pause-result', requestId: req.requestId, outcome: 'none', exitCode: null, durationMs: 0, output: '' }),
    ackTimeoutMs: () => 60_000,
    backoffMinMs: 50,
    backoffMaxMs: 200,
    ...opts,
  });
  cleanups.push(async () => {
    await conn.close();
    await fake.close();
  });
  return { fake, conn, buffer, lines };
}

const seqsOn = (fake: FakeAgentController, conn: number) =>
  fake
    .of('batch')
    .filter((f) => f.conn === conn)
    .map((f) => f.msg.seq);

describe('ControllerLink', () => {
  it('sends the token as a Bearer header, hello first, then buffered batches in order; acks prune the buffer', async () => {
    const { fake, conn, buffer, lines } = await setup();
    for (let s = 1; s <= 3; s++) buffer.push(batch(s));
    conn.start();
    await expect.poll(() => fake.of('batch').length, { timeout: 10_000 }).toBe(3);
    expect(fake.headers[0]!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(fake.frames[0]!.msg.type).toBe('hello');
    expect(HelloSchema.safeParse(fake.frames[0]!.msg).success).toBe(true);
    expect(seqsOn(fake, 1)).toEqual([1, 2, 3]);
    await expect.poll(() => buffer.size, { timeout: 10_000 }).toBe(0);
    buffer.push(batch(4));
    conn.flush();
    await expect.poll(() => seqsOn(fake, 1), { timeout: 10_000 }).toEqual([1, 2, 3, 4]);
    expect(fake.invalid).toEqual([]);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('after a reconnect replays only what was not acknowledged, in order, without duplicates', async () => {
    const { fake, conn, buffer } = await setup({ autoAck: false });
    conn.start();
    for (let s = 1; s <= 3; s++) buffer.push(batch(s));
    await expect.poll(() => conn.ready, { timeout: 10_000 }).toBe(true);
    conn.flush();
    await expect.poll(() => seqsOn(fake, 1), { timeout: 10_000 }).toEqual([1, 2, 3]);
    fake.ack(RUN, 2);
    await expect.poll(() => buffer.size, { timeout: 10_000 }).toBe(1);
    fake.dropAll();
    buffer.push(batch(4)); // made while the link is down
    conn.flush();
    await expect.poll(() => seqsOn(fake, 2), { timeout: 10_000 }).toEqual([3, 4]);
    buffer.push(batch(5));
    conn.flush();
    await expect.poll(() => seqsOn(fake, 2), { timeout: 10_000 }).toEqual([3, 4, 5]);
    expect(fake.frames.filter((f) => f.conn === 2)[0]!.msg.type).toBe('hello');
    // A replayed frame carries a fresh sentAt.
    const first3 = fake.of('batch').find((f) => f.conn === 1 && f.msg.seq === 3)!.msg;
    const again3 = fake.of('batch').find((f) => f.conn === 2 && f.msg.seq === 3)!.msg;
    expect(again3.sentAt).toBeGreaterThanOrEqual(first3.sentAt);
    expect(first3.sentAt).toBeGreaterThan(batch(3).sentAt);
    expect(buffer.after(0)[0]!.sentAt).toBe(batch(3).sentAt);
    expect(fake.invalid).toEqual([]);
  });

  it("drops batches the controller's welcome says are already committed", async () => {
    const { fake, conn, buffer } = await setup({ autoAck: false });
    fake.committed.set(RUN, 2);
    for (let s = 1; s <= 4; s++) buffer.push(batch(s));
    conn.start();
    await expect.poll(() => seqsOn(fake, 1), { timeout: 10_000 }).toEqual([3, 4]);
    expect(buffer.after(0).map((b) => b.seq)).toEqual([3, 4]);
  });

  it('ignores invalid frames and acks for another run', async () => {
    const { fake, conn, buffer, lines } = await setup({ autoAck: false });
    buffer.push(batch(1));
    conn.start();
    await expect.poll(() => seqsOn(fake, 1), { timeout: 10_000 }).toEqual([1]);
    fake.send('not json');
    fake.send({ v: 1, type: 'ack', runId: RUN, seq: -5 });
    fake.send({ v: 2, type: 'ack', runId: RUN, seq: 1 });
    fake.send({ v: 1, type: 'ack', runId: 'run-someone-else', seq: 99 });
    fake.send({ v: 1, type: 'no-such-type' });
    fake.ack(RUN, 1);
    await expect.poll(() => buffer.size, { timeout: 10_000 }).toBe(0);
    expect(lines.filter((l) => l.includes('ignoring')).length).toBeGreaterThanOrEqual(4);
    expect(conn.ready).toBe(true);
    expect(fake.connectionCount).toBe(1);
  });

  it('reconnects when acks stop coming (dead link)', async () => {
    const { fake, conn, buffer, lines } = await setup({ autoAck: false }, { ackTimeoutMs: () => 300 });
    buffer.push(batch(1));
    conn.start();
    await expect.poll(() => seqsOn(fake, 1), { timeout: 10_000 }).toEqual([1]);
    // Each later flush checks the ack deadline, as the report loop does every interval.
    await expect
      .poll(
        () => {
          conn.flush();
          return fake.connectionCount;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBeGreaterThanOrEqual(2);
    expect(lines.some((l) => l.includes('no ack from the controller'))).toBe(true);
    await expect.poll(() => seqsOn(fake, 2), { timeout: 10_000 }).toEqual([1]);
  });

  it('reconnects when the controller stops answering pings', async () => {
    const { fake, conn, lines } = await setup({ autoPong: false }, { pingIntervalMs: 200 });
    conn.start();
    await expect.poll(() => fake.connectionCount, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(lines.some((l) => l.includes('did not answer a ping'))).toBe(true);
  });

  it('keeps retrying while the controller is away and delivers once it is back', async () => {
    const { fake, conn, buffer } = await setup();
    const port = Number(new URL(fake.url).port);
    await fake.close();
    buffer.push(batch(1));
    conn.start();
    await expect.poll(() => conn.connects, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect(conn.ready).toBe(false);
    const back = await FakeAgentController.start({ token: TOKEN, port });
    cleanups.push(() => back.close());
    await expect.poll(() => buffer.size, { timeout: 10_000 }).toBe(0);
    expect(back.of('batch').map((f) => f.msg.seq)).toEqual([1]);
  });

  it('stops after a rejected token is reported clearly, without the token', async () => {
    const { conn, lines } = await setup({ token: 'another-token' });
    conn.start();
    await expect.poll(() => lines.some((l) => l.includes('token rejected')), { timeout: 10_000 }).toBe(true);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('prepare-pause runs only the local CHECKPOINT_CMD; a frame carrying a command is rejected', async () => {
    const marker = join(dir, 'checkpointed');
    const injected = join(dir, 'injected');
    const { logger } = memoryLogger();
    const handler = new PreparePauseHandler({ command: `echo done; touch ${marker}`, maxTimeoutMs: 10_000, env: { PATH: process.env.PATH ?? '' }, logger });
    const { fake, conn, lines } = await setup({}, { onPreparePause: (r) => handler.handle(r) });
    conn.start();
    await expect.poll(() => conn.ready, { timeout: 10_000 }).toBe(true);
    fake.send({ v: 1, type: 'prepare-pause', requestId: 'p-evil', timeoutMs: 1000, command: `touch ${injected}` });
    fake.send({ v: 1, type: 'prepare-pause', requestId: 'p-1', timeoutMs: 5000 });
    await expect.poll(() => fake.of('prepare-pause-result').length, { timeout: 10_000 }).toBe(1);
    const r = fake.of('prepare-pause-result')[0]!.msg;
    expect(r).toMatchObject({ requestId: 'p-1', outcome: 'ok', exitCode: 0 });
    expect(r.output).toContain('done');
    expect(existsSync(marker)).toBe(true);
    expect(existsSync(injected)).toBe(false);
    expect(lines.some((l) => l.includes('ignoring invalid frame'))).toBe(true);
  });

  it('close() ends the link with 1000 and does not reconnect', async () => {
    const { fake, conn } = await setup();
    conn.start();
    await expect.poll(() => conn.ready, { timeout: 10_000 }).toBe(true);
    await conn.close();
    await expect.poll(() => fake.closes, { timeout: 10_000 }).toEqual([{ conn: 1, code: 1000 }]);
    expect(fake.connectionCount).toBe(1);
  });
});
