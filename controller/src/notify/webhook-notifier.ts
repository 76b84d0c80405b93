// Slack-compatible webhook notifications ({"text": ...}): queued, retried with backoff, never blocking or failing an action.
import { request } from 'undici';
import { stripControl } from '../../../protocol/untrusted-text';
import { errorMessage, type Logger } from '../log';
import type { RetryPolicy } from '../retry/retry-policy';
import { withRetry } from '../retry/with-retry';

/** What a message is about, so that it reaches the people concerned (notify/routing-notifier.ts). */
export interface NoticeAbout {
  /** The instance: its owner is mentioned and its team's webhook gets the message too. */
  instanceId?: string;
  /** A team (budget alerts, the team's digest): its webhook gets the message too. */
  team?: string;
  /** Only to the team's webhook, not the global one (a team's part of the daily digest). */
  teamOnly?: boolean;
  /** false: not for e-mail (default: warnings and actions about an owner's instance are e-mailed with SMTP_URL). */
  email?: boolean;
}

export interface Notifier {
  /** Queue a message; returns at once. Delivery failures are logged, never thrown. */
  notify(text: string, about?: NoticeAbout): void;
  /** Wait until the queue is empty (or every message gave up); for shutdown and tests. */
  flush(timeoutMs?: number): Promise<void>;
}

export interface WebhookNotifierOptions {
  url: string;
  logger: Logger;
  /** Attempts per message, first included. */
  attempts?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
  /** Oldest messages are dropped (and logged) beyond this many queued. */
  maxQueue?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());

export class WebhookNotifier implements Notifier {
  private queue: string[] = [];
  private running: Promise<void> | null = null;
  private readonly attempts: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly maxQueue: number;
  /** The URL's origin only: webhook paths are secrets (Slack's carry the token). */
  private readonly where: string;

  constructor(private readonly opts: WebhookNotifierOptions) {
    this.attempts = opts.attempts ?? 5;
    // Doubling from baseDelayMs, half of each delay random; no cap, `attempts` bounds it (by default 0.5, 1, 2, 4 s, each 50-100 %).
    this.retryPolicy = { maxRetries: Math.max(0, this.attempts - 1), baseDelayMs: opts.baseDelayMs ?? 500, factor: 2, maxDelayMs: Infinity, jitter: 0.5 };
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxQueue = opts.maxQueue ?? 1000;
    this.where = new URL(opts.url).origin;
  }

  notify(raw: string): void {
    // Messages are mrkdwn built by notify/messages.ts, which escape every untrusted part where it is
    // interpolated, so intended links survive; control characters are stripped here once more, line by line.
    const text = raw
      .split('\n')
      .map((line) => stripControl(line))
      .join('\n');
    if (this.queue.length >= this.maxQueue) {
      const dropped = this.queue.shift();
      this.opts.logger.warn(`webhook queue full, dropped oldest message: ${dropped?.slice(0, 80)}`);
    }
    this.queue.push(text);
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  async flush(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.running && Date.now() < deadline) {
      await Promise.race([this.running, sleep(Math.max(1, deadline - Date.now()))]);
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const text = this.queue.shift()!;
      await this.deliver(text);
    }
  }

  private async deliver(text: string): Promise<void> {
    try {
      await withRetry((n) => this.post(text, n + 1), {
        policy: this.retryPolicy,
        retryable: (err) => !(err instanceof WebhookRefused),
        sleep,
      });
    } catch (err) {
      if (err instanceof WebhookRefused) return;
      this.opts.logger.error(`webhook ${this.where}: gave up on a message after ${this.attempts} attempts`);
    }
  }

  /** One POST; throws to ask for another try, or WebhookRefused when another try cannot help. */
  private async post(text: string, attempt: number): Promise<void> {
    let status: number;
    try {
      const res = await request(this.opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      await res.body.text().catch(() => '');
      status = res.statusCode;
    } catch (err) {
      this.opts.logger.warn(`webhook ${this.where} unreachable (attempt ${attempt}/${this.attempts}): ${errorMessage(err).split(this.opts.url).join('***')}`);
      throw err;
    }
    if (status >= 200 && status < 300) return;
    // 4xx other than 429 will not get better by retrying (bad URL, revoked hook).
    if (status < 500 && status !== 429) {
      this.opts.logger.warn(`webhook ${this.where} refused a message with HTTP ${status}; not retried`);
      throw new WebhookRefused(status);
    }
    this.opts.logger.warn(`webhook ${this.where} answered HTTP ${status} (attempt ${attempt}/${this.attempts})`);
    throw new Error(`HTTP ${status}`);
  }
}

/** The hook answered a 4xx other than 429: the message is dropped (already logged), not retried. */
class WebhookRefused extends Error {
  override name = 'WebhookRefused';
  constructor(readonly status: number) {
    super(`webhook refused the message with HTTP ${status}`);
  }
}

/** Used when WEBHOOK_URL is not set: messages only go to the log at debug level. */
export class LogOnlyNotifier implements Notifier {
  constructor(private readonly logger: Logger) {}
  notify(text: string): void {
    this.logger.debug(`notification (no WEBHOOK_URL): ${text}`);
  }
  async flush(): Promise<void> {}
}
