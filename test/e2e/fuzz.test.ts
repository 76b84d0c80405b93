// Bad input against the running controller (a real process): hostile WebSocket frames (mutated, truncated, oversize,
// binary, wrong types, NaN/negative/huge numbers, far-future timestamps, unknown fields), wrong tokens and hostile
// HTTP bodies, while valid agents stream beside it. The controller keeps serving, valid agents lose nothing, and no
// bad value reaches the database. SOAK=1 runs it long.
import { request } from 'undici';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES } from '../../protocol';
import { openStore } from '../../controller/src/store';
import { dbPath } from '../../controller/src/store/open-db';
import { hostileFrames } from '../fuzz/mutate';
import { rng } from '../traces/trace';
import { ensureBuilt } from '../helpers/build';
import { waitFor } from '../helpers/in-process-controller';
import { isContiguousFromOne, storedSeqs } from '../helpers/sample-db';
import { killAllControllers, spawnController, type SpawnedController } from '../helpers/spawn-controller';
import { makeTempDir } from '../helpers/temp-dir';
import { SimAgent } from '../sim-agent';

const LONG = process.env['SOAK'] === '1';
const FRAMES = LONG ? 5_000 : 300;
const HTTP_REQUESTS = LONG ? 3_000 : 200;
const tmp = makeTempDir('co-e2e-fuzz-');
let controller: SpawnedController;

beforeAll(async () => {
  ensureBuilt();
  controller = await spawnController({ dataDir: tmp.path, env: { CHECK_INTERVAL: '1' } });
});

afterAll(async () => {
  await controller?.stop();
  killAllControllers();
  tmp.cleanup();
});

async function token(instanceId: string): Promise<string> {
  const r = await fetch(`${controller.url}/api/tokens`, {
    method: 'POST',
    headers: { ...controller.adminHeaders(), 'content-type': 'application/json' },
    body: JSON.stringify({ instanceId }),
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as { token: string }).token;
}

/** Opens a socket, sends a hello then one hostile frame, and waits for the close (or a short while). */
function hostileSession(tok: string, frame: { kind: 'text' | 'binary'; data: string | Buffer }, withHello: boolean, hello: unknown): Promise<number | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(controller.wsUrl, { headers: { authorization: `Bearer ${tok}` }, maxPayload: 1 << 20 });
    const done = (code: number | null) => {
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.terminate();
      resolve(code);
    };
    const timer = setTimeout(() => done(null), 1500);
    ws.on('open', () => {
      if (withHello) ws.send(JSON.stringify(hello));
      ws.send(frame.data);
    });
    ws.on('close', (code) => done(code));
    ws.on('error', () => done(-1));
  });
}

describe('fuzzing the controller', () => {
  it(
    'survives hostile frames and bodies; valid agents lose nothing; nothing bad is stored',
    async () => {
      const good = [await token('manual:good-1'), await token('manual:good-2')];
      const agents = good.map(
        (t, i) => new SimAgent({ url: controller.wsUrl, token: t, gpus: 2, intervalMs: 1000, autoReconnect: true, runId: `good-run-${i}-0000` }),
      );
      await Promise.all(agents.map((a) => a.connect()));
      const streaming = setInterval(() => agents.forEach((a, i) => a.sendBatch(i === 0 ? 3 : [90, null])), 50);

      const fuzzToken = await token('manual:fuzzer');
      const probe = new SimAgent({ url: controller.wsUrl, token: fuzzToken, gpus: 1 });
      const hello = probe.hello();
      const validBatch = {
        v: 1,
        type: 'batch',
        runId: 'fuzz-run-000000',
        seq: 1,
        t0: Date.now() - 1000,
        t1: Date.now(),
        sentAt: Date.now(),
        gpus: [
          { index: 0, uuid: 'GPU-f', count: 10, utilUnknown: 0, util: { min: 1, mean: 2, max: 3 }, memUsed: null, memTotal: 80000, temp: null, power: null },
        ],
        procs: 0,
        health: { state: 'ok' },
        dropped: 0,
      };
      const closes = new Map<number | null, number>();
      const r = rng(11);
      let i = 0;
      for (const frame of hostileFrames(
        [validBatch, hello, { v: 1, type: 'prepare-pause-result', requestId: 'x', outcome: 'ok', exitCode: 0, durationMs: 1, output: '' }],
        42,
        FRAMES,
        MAX_FRAME_BYTES,
      )) {
        // Every 10th session uses a wrong or foreign-looking token instead.
        const tok = i % 10 === 9 ? (r() < 0.5 ? 'co_' + 'A'.repeat(43) : fuzzToken.slice(0, -2) + 'xx') : fuzzToken;
        const code = await hostileSession(tok, frame, r() < 0.8, hello);
        closes.set(code, (closes.get(code) ?? 0) + 1);
        i++;
      }
      // Bad frames were refused with clear codes: 4400 bad frame, 1009 too big, -1 for the 401 at upgrade.
      expect((closes.get(4400) ?? 0) + (closes.get(1009) ?? 0)).toBeGreaterThan(FRAMES / 2);
      expect(closes.get(-1) ?? 0).toBeGreaterThan(0);

      // Hostile HTTP: random bodies and ids on every write route, huge bodies, bad JSON.
      const routes = ['/api/tokens', '/api/instances/manual:good-1/hold', '/api/instances/%00/hold', '/api/instances/../../etc/hold'];
      const bodies = [
        '{',
        'null',
        '[]',
        '{"instanceId": 5}',
        '{"instanceId": "nope"}',
        '{"hours": -1}',
        '{"hours": 1e308}',
        '{"until": "yesterday"}',
        '{"hours": "NaN"}',
        'x'.repeat(200_000),
        '{"instanceId":"manual:' + 'a'.repeat(5000) + '"}',
      ];
      for (let k = 0; k < HTTP_REQUESTS; k++) {
        const body = bodies[Math.floor(r() * bodies.length)]!;
        try {
          // reset: one connection per request, so a 413 that closes its connection cannot break the next request.
          const res = await request(controller.url + routes[k % routes.length]!, {
            method: 'POST',
            headers: { ...controller.adminHeaders(), 'content-type': 'application/json' },
            body,
            reset: true,
          });
          expect(res.statusCode).toBeLessThan(500);
          await res.body.arrayBuffer();
        } catch (err) {
          // A body over the limit is answered 413 and its connection closed before the client finished sending.
          if (body.length < 64 * 1024) throw err;
        }
      }
      const health = await request(`${controller.url}/healthz`, { reset: true });
      expect(health.statusCode).toBe(200);
      await health.body.arrayBuffer();

      clearInterval(streaming);
      const last = agents.map((a) => a.seq);
      await Promise.all(agents.map((a, k) => a.waitForAck(last[k]!, 30_000)));
      await Promise.all(agents.map((a) => a.close()));
      await probe.close();
      await controller.stop();

      // Valid agents: every batch stored exactly once.
      const runs = storedSeqs(tmp.path).filter((x) => x.runId.startsWith('good-run-'));
      expect(runs.map((x) => [x.instanceId, x.seqs.length])).toEqual([
        ['manual:good-1', last[0]],
        ['manual:good-2', last[1]],
      ]);
      for (const x of runs) expect(isContiguousFromOne(x.seqs)).toBe(true);

      // No bad value in the database: every stored sample is in range, nothing from the future, ids are sane.
      const store = openStore(dbPath(tmp.path));
      try {
        const now = Date.now();
        for (const inst of store.listInstances()) {
          expect(inst.id).toMatch(/^(vast|tensordock|gcp|manual):[^\s\u0000]{1,256}$/);
          for (const s of store.sampleDetails(inst.id, 0, 100_000)) {
            expect(s.t1).toBeLessThanOrEqual(now + 10_000);
            expect(s.t0).toBeGreaterThan(1_577_836_800_000);
            expect(s.t0).toBeLessThanOrEqual(s.t1);
            if (s.utilMax !== null) expect(s.utilMax >= 0 && s.utilMax <= 100).toBe(true);
            if (s.utilMean !== null) expect(s.utilMean >= 0 && s.utilMean <= 100).toBe(true);
            expect(Number.isFinite(s.count) && s.count >= 0).toBe(true);
          }
        }
        expect(store.listInstances().some((x) => x.id === 'manual:good-1')).toBe(true);
      } finally {
        store.close();
      }
      await waitFor(() => controller.proc.exitCode !== null || controller.proc.signalCode !== null, 10_000, 'controller exit');
      expect(controller.proc.exitCode).toBe(0);
      // The long form (npm run soak) sends 5,000 frames and 3,000 requests: minutes, not the 60 s default.
    },
    LONG ? 900_000 : 60_000,
  );
});
