// The notification texts, delivered through the real WebhookNotifier to a real HTTP receiver on loopback.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log';
import { dashboardLink, deleteWarningText, operatorActText, pausedText, pauseWarningText, type MessageSubject } from './messages';
import { WebhookNotifier } from './webhook-notifier';

const NOW = Date.parse('2026-12-03T14:27:00Z');
const s: MessageSubject = {
  id: 'vast:9001',
  name: 'render-farm-7',
  provider: 'vast',
  gpuName: 'RTX 4090',
  numGpus: 2,
  pricePerHour: 0.9,
  stoppedPricePerHour: 0.02,
};
const ctx = { publicUrl: 'https://co.example.com/' };
const idle = { idleSince: NOW - 25 * 60_000, utilMax: 2, utilMean: 0.4, thresholdPct: 10, samples: 150, source: 'agent' };

let server: Server | null = null;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

describe('notification texts', () => {
  it('a pause warning says who, where, what it costs, when, the money at stake and how to keep it', () => {
    const t = pauseWarningText(s, ctx, { ...idle, at: NOW + 5 * 60_000 }, NOW);
    expect(t).toBe(
      ':hourglass: *render-farm-7* (vast:9001; Vast.ai, 2x RTX 4090, $0.900/h) will be paused at 14:32 UTC unless it gets busy. ' +
        'GPU idle for 25 min (avg 0.4%, max 2.0%, 150 samples from agent, threshold 10%). Pausing saves $0.880/h ($21.12 a day). ' +
        'To keep it: <https://co.example.com/#i-vast%3A9001|hold it on the dashboard>, or put `[protect]` in its name (GCP: label `cost-optimizer-protect=true`).',
    );
  });

  it('without PUBLIC_URL it names the CLI command instead of a link', () => {
    const t = pausedText(s, { publicUrl: null }, { ...idle, deleteAfterHours: 24, noDelete: false }, NOW);
    expect(t).toContain('Resume: `cost-optimizer resume vast:9001`');
    expect(t).toContain('deleted after 24 h inactive');
    expect(pausedText(s, ctx, { ...idle, deleteAfterHours: 24, noDelete: true }, NOW)).toContain('will not be deleted');
    expect(deleteWarningText(s, ctx, { at: NOW + 3_600_000, inactiveSince: NOW - 23 * 3_600_000, state: 'stopped' }, NOW)).toContain(
      'will be *deleted* at 15:27 UTC',
    );
  });

  it('escapes names from providers: no mention, no link, no control characters', () => {
    const evil: MessageSubject = { ...s, id: 'vast:1', name: '<!channel> a&b <http://x|click>\n' };
    const t = operatorActText('hold', evil, ctx, 'dashboard', 'until <later>');
    expect(t).toContain('*&lt;!channel&gt; a&amp;b &lt;http://x|click&gt;*');
    expect(t).toContain('until &lt;later&gt;');
    expect(t).not.toContain('\n');
    // The link's target is percent-encoded: an id cannot end the link early.
    expect(dashboardLink(ctx, 'gcp:zone/a|b>c', 'x')).toBe('<https://co.example.com/#i-gcp%3Azone%2Fa%7Cb%3Ec|x>');
  });

  it('reaches a Slack-compatible receiver as {"text": ...}', async () => {
    const bodies: unknown[] = [];
    const url = await new Promise<string>((resolve) => {
      server = createServer((req, res) => {
        let data = '';
        req.on('data', (c: Buffer) => (data += c.toString()));
        req.on('end', () => {
          bodies.push(JSON.parse(data));
          res.end('ok');
        });
      });
      server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/hooks/abc/slack`));
    });
    const n = new WebhookNotifier({ url, logger: silentLogger });
    const text = pauseWarningText(s, ctx, { ...idle, at: NOW + 5 * 60_000 }, NOW);
    n.notify(text);
    await n.flush(5_000);
    expect(bodies).toEqual([{ text }]);
  });
});
