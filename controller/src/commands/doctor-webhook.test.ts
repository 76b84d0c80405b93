// doctor's webhook shape check (no message is sent without --send-test; the sending is tested end to end).
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config';
import { checkWebhook, webhookShapeProblem } from './doctor-webhook';

describe('doctor webhook shape', () => {
  it('accepts Slack and loopback URLs, refuses plain http to another host and broken Slack paths', () => {
    expect(webhookShapeProblem('https://hooks.slack.com/services/T1/B2/abc')).toBeNull();
    expect(webhookShapeProblem('http://127.0.0.1:9000/hook')).toBeNull();
    expect(webhookShapeProblem('http://chat.example/hook')).toMatch(/plain http/);
    expect(webhookShapeProblem('https://hooks.slack.com/abc')).toMatch(/not a Slack incoming-webhook URL/);
    expect(webhookShapeProblem('https://chat.example/')).toMatch(/no path/);
  });

  it('shows the origin only', async () => {
    const l = await checkWebhook(parseConfig({ WEBHOOK_URL: 'https://hooks.slack.com/services/T1/B2/sekrit' }), { sendTest: false });
    expect(l.status).toBe('ok');
    expect(l.text).toBe('https://hooks.slack.com/*** (shape only; --send-test sends a test message)');
  });
});
