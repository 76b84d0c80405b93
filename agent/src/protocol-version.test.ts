// A newer agent and an older controller: the link against a small real `ws` server that speaks protocol 1 the way
// controllers before protocol 2 did (a hello of any other version is closed with 4400; a batch with a key it does not
// know likewise). The agent lowers its offer and keeps streaming, without the fields that controller does not know.
import WebSocket, { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Batch, PROTOCOL_VERSION } from '../../protocol';
import { memoryLogger } from '../../test/support/memory-logger';
import { BatchBuffer } from './batch-buffer';
import { batchForVersion } from './protocol-version';
import { ControllerLink } from './ws-client';

const RUN = 'run-1234567890';
const V1_BATCH_KEYS = new Set(['v', 'type', 'runId', 'seq', 't0', 't1', 'sentAt', 'gpus', 'procs', 'health', 'dropped', 'interactive']);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A protocol-1 controller: refuses what it does not know exactly as the old schemas did. */
async function v1Controller(): Promise<{ url: string; hellos: number[]; batches: Record<string, unknown>[] }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
  const hellos: number[] = [];
  const batches: Record<string, unknown>[] = [];
  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Record<string, unknown>;
      if (m.type === 'hello') {
        hellos.push(m.v as number);
        if (m.v !== 1) return ws.close(4400, 'invalid hello: v: Invalid literal value, expected 1');
        return ws.send(JSON.stringify({ v: 1, type: 'welcome', instanceId: 'manual:x', serverTime: Date.now(), ackedSeq: 0, config: {} }));
      }
      const unknown = Object.keys(m).filter((k) => !V1_BATCH_KEYS.has(k));
      if (m.v !== 1 || unknown.length > 0) return ws.close(4400, `invalid batch: Unrecognized key(s) in object: ${unknown.join(', ')}`);
      batches.push(m);
      ws.send(JSON.stringify({ v: 1, type: 'ack', runId: m.runId, seq: m.seq }));
    });
  });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/agent`, hellos, batches };
}

const batch = (seq: number): Batch => ({
  v: PROTOCOL_VERSION,
  type: 'batch',
  runId: RUN,
  seq,
  t0: Date.now() - 1000,
  t1: Date.now(),
  sentAt: Date.now(),
  gpus: [],
  procs: 0,
  health: { state: 'ok' },
  dropped: 0,
  host: { netMBs: 60, diskMBs: 0, cpuPct: 1 },
  inhibitions: [{ why: 'x', pid: 1, since: Date.now(), until: Date.now() + 1000 }],
});

describe('protocol versions (agent side)', () => {
  it('leaves out the fields of later versions and sets v', () => {
    const b = batch(1);
    expect(batchForVersion(b, 2)).toBe(b);
    const old = batchForVersion(b, 1);
    expect(old.v).toBe(1);
    expect('host' in old || 'inhibitions' in old).toBe(false);
  });

  it('keeps streaming to a protocol 1 controller: offers 2, is refused, offers 1, sends batches it accepts', async () => {
    const ctl = await v1Controller();
    const buffer = new BatchBuffer(RUN, 100);
    const { logger, lines } = memoryLogger();
    const link = new ControllerLink({
      urls: [ctl.url],
      token: 't',
      runId: RUN,
      buffer,
      logger,
      hello: () => ({
        v: PROTOCOL_VERSION,
        type: 'hello',
        agentVersion: 't',
        runId: RUN,
        sentAt: Date.now(),
        host: { hostname: 'h', os: 'Linux', kernel: '6', arch: 'x64', cpuModel: 'c', cpuCores: 2, memTotalMiB: 1, nodeVersion: process.version },
        identity: { provider: null, providerId: null, source: 'none' },
        gpus: [],
        sampleIntervalMs: 1000,
        reportIntervalMs: 1000,
        checkpointConfigured: false,
      }),
      onPreparePause: () => Promise.reject(new Error('unused')),
      ackTimeoutMs: () => 15_000,
      backoffMinMs: 10,
      backoffMaxMs: 50,
    });
    cleanups.push(() => link.close());
    buffer.push(batch(1));
    buffer.push(batch(2));
    link.start();
    for (let i = 0; i < 200 && buffer.size > 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(buffer.size).toBe(0);
    expect(ctl.hellos).toEqual([2, 1]);
    expect(ctl.batches.map((b) => b.seq)).toEqual([1, 2]);
    expect(ctl.batches.every((b) => b.v === 1 && !('host' in b))).toBe(true);
    expect(lines.some((l) => l.includes('WARN') && l.includes('speaks protocol 1'))).toBe(true);
  });
});
