// E-mail to owners (SMTP_URL, docs/owners.md) through nodemailer: the message's text as a plain-text body, its first
// line (mrkdwn markup removed) as the subject. Failures are logged by the caller, never thrown into an action.
import nodemailer from 'nodemailer';

export interface Mailer {
  send(to: string, text: string): Promise<void>;
  close(): void;
}

/** Slack mrkdwn to plain text: `<url|label>` -> `label (url)`, `*bold*` -> `bold`, `:emoji:` dropped, entities decoded. */
export function plainText(mrkdwn: string): string {
  return mrkdwn
    .replace(/<([^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<@[A-Z0-9]+>/g, '')
    .replace(/(^|\s):[a-z0-9_+-]+:\s*/g, '$1')
    .replace(/\*([^*\n]+)\*/g, '$1')
    .replace(/`([^`\n]+)`/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

export function subjectOfMail(text: string): string {
  const first = plainText(text).split('\n')[0] ?? '';
  const sentence = first.split(/(?<=[.!?])\s/)[0] ?? first;
  return `[cost-optimizer] ${sentence.length > 140 ? `${sentence.slice(0, 137)}...` : sentence}`;
}

export class SmtpMailer implements Mailer {
  private readonly transport;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport(url);
  }

  async send(to: string, text: string): Promise<void> {
    await this.transport.sendMail({ from: this.from, to, subject: subjectOfMail(text), text: plainText(text) });
  }

  close(): void {
    this.transport.close();
  }
}
