// doctor's webhook check: WEBHOOK_URL's shape by default; with --send-test one real message through the notifier the
// controller uses (one attempt), failing on what it logged. The URL's path is a secret: only its origin is shown.
import type { Config } from '../config/config';
import { isLoopback } from '../config/config';
import type { Logger } from '../log';
import { webhookTestText } from '../notify/messages';
import { WebhookNotifier } from '../notify/webhook-notifier';
import { type CheckLine, fail, ok, webhookWhere } from './doctor-line';

const FIX_URL = 'copy the incoming-webhook URL again from Slack (or your chat) into WEBHOOK_URL';

/** What is wrong with the URL's shape, or null. */
export function webhookShapeProblem(url: string): string | null {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (u.protocol === 'http:' && !isLoopback(host)) return 'is plain http:// to another host: its secret path would cross the network unencrypted';
  if (u.username !== '' || u.password !== '') return 'carries a user name or password; webhooks take none';
  if (host === 'hooks.slack.com' && !/^\/services\/[^/]+\/[^/]+\/[^/]+$/.test(u.pathname))
    return 'is not a Slack incoming-webhook URL (https://hooks.slack.com/services/T.../B.../...)';
  if (u.pathname === '/' || u.pathname === '') return 'has no path; a webhook URL names its hook in the path';
  return null;
}

export async function checkWebhook(config: Config, opts: { sendTest: boolean; timeoutMs?: number }): Promise<CheckLine> {
  const url = config.webhookUrl;
  if (url === null) return ok('webhook', opts.sendTest ? 'none configured (WEBHOOK_URL); no test message sent' : 'none configured (WEBHOOK_URL)');
  const where = webhookWhere(url);
  const problem = webhookShapeProblem(url);
  if (problem !== null) return fail('webhook', `WEBHOOK_URL ${where} ${problem}`, FIX_URL);
  if (!opts.sendTest) return ok('webhook', `${where} (shape only; --send-test sends a test message)`);
  const heard: string[] = [];
  const capture: Logger = { debug: () => {}, info: () => {}, warn: (m) => heard.push(m), error: (m) => heard.push(m) };
  const notifier = new WebhookNotifier({ url, logger: capture, attempts: 1, timeoutMs: opts.timeoutMs ?? 10_000 });
  notifier.notify(webhookTestText(config.replicaId));
  await notifier.flush((opts.timeoutMs ?? 10_000) + 5_000);
  if (heard.length === 0) return ok('webhook', `${where}: test message delivered`);
  // The notifier's lines name the origin only and blank the URL out of error texts: "webhook <origin> refused a message
  // with HTTP 404; not retried", "webhook <origin> unreachable (attempt 1/1): ...".
  const first = heard[0]!.replace(/^webhook \S+ /, '');
  const refused = /HTTP (\d{3})/.exec(first)?.[1];
  if (refused !== undefined) {
    const n = Number(refused);
    const fix = n === 404 || n === 403 || n === 410 ? `the hook is unknown or revoked: ${FIX_URL}` : 'check the chat service; the message was refused';
    return fail('webhook', `${where} refused the test message (HTTP ${refused})`, fix);
  }
  return fail('webhook', `${where} did not take the test message: ${first}`, `check that this machine reaches ${new URL(url).origin} (DNS, firewall, proxy)`);
}
