// `cost-optimizer explain` against a stand-in controller answering GET /api/instances/:id in the route's real shape.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandIo } from './command';
import { explainCommand } from './explain';

let server: Server | null = null;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(status: number, body: unknown): Promise<string> {
  server = createServer((req, res) => {
    res.writeHead(req.url === '/api/instances/vast%3A1' ? status : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.url === '/api/instances/vast%3A1' ? body : { error: 'not found' }));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function explain(args: string[]) {
  const out = { stdout: '', stderr: '' };
  const io: CommandIo = { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t) };
  const code = await explainCommand.run(args, io);
  return { code, ...out };
}

describe('cost-optimizer explain', () => {
  it("prints the explanation and the agent's last reported error", async () => {
    const url = await serve(200, {
      instance: {
        id: 'vast:1',
        agent: { hello: null, helloAt: null, health: { state: 'error', code: 'driver', message: 'NVIDIA driver not loaded' }, healthAt: 1 },
      },
      samples: [],
      explanation: { text: 'vast:1: none - no samples in the window' },
    });
    const r = await explain(['vast:1', '--url', url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('vast:1: none - no samples in the window\nlast reported error: NVIDIA driver not loaded\n');
  });

  it('says when the shown decision was made', async () => {
    const url = await serve(200, {
      instance: { id: 'vast:1' },
      samples: [],
      explanation: { text: 'vast:1: none - no samples in the window', decidedAt: '2026-11-02T10:00:30.000Z' },
    });
    expect((await explain(['vast:1', '--url', url])).stdout).toBe('vast:1: none - no samples in the window\ndecided at:     2026-11-02T10:00:30.000Z\n');
  });

  it("prints every engine's figure of the latest sample: the encoder behind a kept transcode", async () => {
    const lastSample = {
      t: '2026-11-29T04:00:00.000Z',
      util: 8,
      memUsed: 819,
      memTotal: 8192,
      tempC: 45,
      engines: { enc: { max: 100, mean: 100, gpu: 0 }, dec: { max: 0, mean: 0, gpu: 0 }, encSessions: { max: 2, mean: 2, gpu: 0 } },
    };
    const url = await serve(200, {
      instance: { id: 'vast:1', agent: null, lastSample },
      samples: [],
      explanation: { text: 'busy reading:   kept: encoder 100 % on GPU 0 (SM 8.0%)' },
    });
    const r = await explain(['vast:1', '--url', url]);
    expect(r.stdout).toContain('kept: encoder 100 % on GPU 0');
    expect(r.stdout).toContain('last sample:    SM 8 %, encoder 100 % on GPU 0, decoder 0 %, encoder sessions 2 on GPU 0, 45 °C\n');
  });

  it('says so when the engine has not seen the instance, and names an unknown one', async () => {
    const url = await serve(200, { instance: { id: 'vast:1', agent: null }, samples: [], explanation: null });
    expect((await explain(['vast:1', '--url', url])).stdout).toBe('no explanation available for vast:1 yet (the engine has not seen it)\n');
    const missing = await explain(['vast:2', '--url', url]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no instance "vast:2"');
  });
});
