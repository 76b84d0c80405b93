// Messages reach people (docs/owners.md): a message about an instance mentions its owner (`<@MEMBER_ID>`) when the
// directory has their Slack member id, goes to the global WEBHOOK_URL as always, and also to the instance's team's
// own webhook; a budget alert goes to the team's webhook and the global one. Each destination gets a message once
// (a team webhook that is WEBHOOK_URL itself is not sent twice). With SMTP_URL, owners with an address also get the
// warnings and actions about their instances by e-mail.
import { errorMessage, type Logger } from '../log';
import { attributionOf } from '../owners/attributions';
import type { Store } from '../store';
import type { Mailer } from './mailer';
import { type Notifier, type NoticeAbout, WebhookNotifier } from './webhook-notifier';

export interface RoutingNotifierOptions {
  /** The global destination (WEBHOOK_URL, or the log); gets every message. */
  global: Notifier;
  /** WEBHOOK_URL, so a team webhook equal to it is not sent twice; null when unset. */
  globalUrl: string | null;
  store: Store;
  logger: Logger;
  /** A notifier for a team's webhook URL (default: WebhookNotifier); tests may pass their own. */
  webhook?: (url: string) => Notifier;
  mailer?: Mailer | null;
}

/** The Slack member id mention appended to a message about an owner's instance. */
export function withMention(text: string, slack: string | null): string {
  return slack === null || text.includes(`<@${slack}>`) ? text : `${text} <@${slack}>`;
}

export class RoutingNotifier implements Notifier {
  private readonly teamHooks = new Map<string, Notifier>();
  private readonly mails = new Set<Promise<void>>();

  constructor(private readonly o: RoutingNotifierOptions) {}

  notify(text: string, about?: NoticeAbout): void {
    if (about === undefined) {
      this.o.global.notify(text);
      return;
    }
    let out = text;
    let teamName = about.team ?? null;
    let email: string | null = null;
    try {
      if (about.instanceId !== undefined) {
        const who = attributionOf(this.o.store, about.instanceId);
        teamName = who.team;
        const owner = who.owner === null ? null : this.o.store.directory.getOwner(who.owner);
        out = withMention(text, owner?.slack ?? null);
        email = owner?.email ?? null;
      }
    } catch (err) {
      // The directory is an addition: a store error must never keep the message from the global webhook.
      this.o.logger.warn(`cannot look up who owns ${about.instanceId ?? about.team}: ${errorMessage(err)}`);
    }
    if (about.teamOnly !== true) this.o.global.notify(out, about);
    try {
      const team = teamName === null ? null : this.o.store.directory.getTeam(teamName);
      if (team?.webhook && team.webhook !== this.o.globalUrl) this.hook(team.webhook).notify(out, about);
    } catch (err) {
      this.o.logger.warn(`cannot look up team ${teamName}: ${errorMessage(err)}`);
    }
    if (email !== null && this.o.mailer && about.email !== false) this.mail(email, text);
  }

  async flush(timeoutMs = 30_000): Promise<void> {
    await Promise.all([this.o.global.flush(timeoutMs), ...[...this.teamHooks.values()].map((n) => n.flush(timeoutMs)), ...this.mails]);
  }

  private hook(url: string): Notifier {
    let n = this.teamHooks.get(url);
    if (n === undefined) {
      n = this.o.webhook?.(url) ?? new WebhookNotifier({ url, logger: this.o.logger });
      this.teamHooks.set(url, n);
    }
    return n;
  }

  private mail(to: string, text: string): void {
    const p = this.o
      .mailer!.send(to, text)
      .catch((err: unknown) => this.o.logger.warn(`e-mail to an owner failed: ${errorMessage(err)}`))
      .finally(() => this.mails.delete(p));
    this.mails.add(p);
  }
}
