// Attack: text an agent or a provider controls (agent version, host names, instance labels, error bodies) carrying
// terminal escapes, forged log lines or Slack markup (<!channel>, disguised links). In-process controller with a
// hostile agent on a real socket; the real webhook notifier posting to a real HTTP receiver.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../controller/src/log';
import { plainNotice } from '../../controller/src/notify/messages';
import { WebhookNotifier } from '../../controller/src/notify/webhook-notifier';
import { startTestController, type TestController, waitFor } from '../helpers/in-process-controller';
import { SimAgent } from '../sim-agent';

let ctl: TestController | null = null;
let receiver: Server | null = null;
afterAll(async () => {
  await ctl?.stop();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
});

describe('untrusted text stays text', () => {
  it('an agent cannot forge log lines or send escapes to the terminal reading the log', async () => {
    ctl = await startTestController();
    const forged = '1.0\u001b[2J\u001b]0;owned\u0007\n2026-01-01T00:00:00.000Z ERROR forged line';
    const agent = new SimAgent({ url: ctl.wsUrl, token: ctl.server.store.createToken('manual:hostile', Date.now()), helloOverrides: { agentVersion: forged } });
    await agent.connect();
    const line = await waitFor(() => ctl!.logs.find((l) => l.includes('agent connected: manual:hostile')), 10_000, 'the connect line');
    expect(line).toContain('1.0 2026-01-01T00:00:00.000Z ERROR forged line');
    for (const l of ctl.logs) {
      expect(l).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
    await agent.close();
  });

  it('Slack sees instance names and provider text as text, never as mentions or links', async () => {
    const bodies: { text: string }[] = [];
    receiver = createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        bodies.push(JSON.parse(data));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver!.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const n = new WebhookNotifier({ url, logger: createLogger({ sink: () => {} }) });
    // A log-style notice (a contest, a silent agent): untrusted text goes through plainNotice, which escapes it.
    n.notify(plainNotice(':pause_button:', 'PAUSE: vast:1 (<!channel> free GPUs at <https://evil.example|the docs> & more\u001b[31m)'));
    await n.flush();
    expect(bodies).toEqual([{ text: ':pause_button: PAUSE: vast:1 (&lt;!channel&gt; free GPUs at &lt;https://evil.example|the docs&gt; &amp; more)' }]);
  });
});
