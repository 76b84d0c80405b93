// The texts of the notifications: one Slack-compatible mrkdwn line or two per event, written for the person who
// gets them: which instance (name and id), where and what it costs, the figures behind the act, what happens next
// and when, the money at stake, and how to keep the instance (a one-click link to its row on the dashboard, or the
// [protect] marker). Every name from a provider is untrusted: control characters stripped, mrkdwn escaped.
import { escapeMrkdwn, stripControl } from '../../../protocol/untrusted-text';
import { minutesText } from '../../../protocol/duration-text';

/** What a message says about an instance. */
export interface MessageSubject {
  id: string;
  name: string;
  provider: string;
  gpuName: string | null;
  numGpus: number;
  pricePerHour: number | null;
  stoppedPricePerHour: number | null;
}

/** The subject of a message, from an instance record or the engine's view of one. */
export function subjectOf(r: MessageSubject): MessageSubject {
  return {
    id: r.id,
    name: r.name,
    provider: r.provider,
    gpuName: r.gpuName,
    numGpus: r.numGpus,
    pricePerHour: r.pricePerHour,
    stoppedPricePerHour: r.stoppedPricePerHour,
  };
}

export interface MessageContext {
  /** PUBLIC_URL: the base of the dashboard links; null leaves the link out. */
  publicUrl: string | null;
}

const PROVIDER_NAMES: Record<string, string> = { vast: 'Vast.ai', tensordock: 'TensorDock', gcp: 'Google Cloud', manual: 'manual host' };

// Trimmed: a name ending in a line break (stripped to a space) must not leave a gap before the closing markup.
export const safe = (s: string): string => escapeMrkdwn(stripControl(s)).trim();

/** A plain-text notice (log-style, with untrusted parts) made safe to send as mrkdwn: `:emoji:` prefix kept, the rest escaped. */
export function plainNotice(emoji: string, text: string): string {
  return `${emoji} ${escapeMrkdwn(stripControl(text))}`;
}

export function money(x: number): string {
  return `$${x.toFixed(Math.abs(x) < 1 && x !== 0 ? 3 : 2)}`;
}

/** `14:32 UTC` (with the date when it is not the same UTC day as `now`). */
export function clock(at: number, now: number): string {
  const a = new Date(at).toISOString();
  const sameDay = a.slice(0, 10) === new Date(now).toISOString().slice(0, 10);
  return `${sameDay ? '' : `${a.slice(0, 10)} `}${a.slice(11, 16)} UTC`;
}

/** The dashboard anchor of an instance's row (the page gives each row this id). */
export function instanceAnchor(id: string): string {
  return `i-${encodeURIComponent(id)}`;
}

/** `<https://co.example.com/#i-vast%3A1|text>`, or null without PUBLIC_URL. The id is percent-encoded: no | or > in it. */
export function dashboardLink(ctx: MessageContext, id: string, text: string): string | null {
  if (!ctx.publicUrl) return null;
  return `<${ctx.publicUrl.replace(/\/+$/, '')}/#${instanceAnchor(id)}|${escapeMrkdwn(text)}>`;
}

/** `*render-farm-7* (vast:123; Vast.ai, 2x RTX 4090, $0.450/h)` */
export function subjectText(s: MessageSubject): string {
  const gpu = s.gpuName ? `${s.numGpus > 1 ? `${s.numGpus}x ` : ''}${safe(s.gpuName)}` : 'GPU unknown';
  const price = s.pricePerHour === null ? 'price unknown' : `${money(s.pricePerHour)}/h`;
  return `*${safe(s.name) || safe(s.id)}* (${safe(s.id)}; ${PROVIDER_NAMES[s.provider] ?? safe(s.provider)}, ${gpu}, ${price})`;
}

/** What a pause saves per hour: the running price less what the paused instance still costs. */
export function pauseSavingPerHour(s: MessageSubject): number | null {
  if (s.pricePerHour === null) return null;
  return Math.max(0, s.pricePerHour - (s.stoppedPricePerHour ?? 0));
}

export interface IdleFigures {
  /** When its GPUs went idle (epoch ms), null when not known. */
  idleSince: number | null;
  utilMax: number | null;
  utilMean: number | null;
  thresholdPct: number;
  samples?: number;
  source?: string | null;
}

function idleText(f: IdleFigures, now: number): string {
  const parts: string[] = [];
  if (f.idleSince !== null) parts.push(`GPU idle for ${minutesText(now - f.idleSince)}`);
  else parts.push('GPU idle');
  const figs: string[] = [];
  if (f.utilMean !== null) figs.push(`avg ${f.utilMean.toFixed(1)}%`);
  if (f.utilMax !== null) figs.push(`max ${f.utilMax.toFixed(1)}%`);
  if (f.samples !== undefined) figs.push(`${f.samples} samples${f.source ? ` from ${f.source}` : ''}`);
  figs.push(`threshold ${f.thresholdPct}%`);
  return `${parts.join('')} (${figs.join(', ')})`;
}

function keepText(ctx: MessageContext, s: MessageSubject, verb: string): string {
  const link = dashboardLink(ctx, s.id, `${verb} on the dashboard`);
  return `To keep it: ${link ?? `\`cost-optimizer hold ${safe(s.id)} --hours 8\``}, or put \`[protect]\` in its name (GCP: label \`cost-optimizer-protect=true\`).`;
}

export function pauseWarningText(s: MessageSubject, ctx: MessageContext, f: IdleFigures & { at: number }, now: number): string {
  const save = pauseSavingPerHour(s);
  const stake = save === null ? '' : ` Pausing saves ${money(save)}/h (${money(save * 24)} a day).`;
  return `:hourglass: ${subjectText(s)} will be paused at ${clock(f.at, now)} unless it gets busy. ${idleText(f, now)}.${stake} ${keepText(ctx, s, 'hold it')}`;
}

export function pausedText(
  s: MessageSubject,
  ctx: MessageContext,
  f: IdleFigures & { deleteAfterHours: number | null; noDelete: boolean },
  now: number,
): string {
  const save = pauseSavingPerHour(s);
  const stake =
    save === null
      ? ''
      : ` Saves ${money(save)}/h; paused it still costs ${s.stoppedPricePerHour === null ? 'an unknown amount' : `${money(s.stoppedPricePerHour)}/h`} (storage).`;
  const next =
    f.noDelete || f.deleteAfterHours === null
      ? ' It will not be deleted ([no-delete]).'
      : ` Unless resumed it is deleted after ${f.deleteAfterHours} h inactive (with a warning first).`;
  const link = dashboardLink(ctx, s.id, 'resume it or keep it on the dashboard');
  return `:pause_button: Paused ${subjectText(s)}: ${idleText(f, now)}.${stake}${next}${link ? ` ${link}.` : ` Resume: \`cost-optimizer resume ${safe(s.id)}\`.`}`;
}

export function deleteWarningText(s: MessageSubject, ctx: MessageContext, f: { at: number; inactiveSince: number | null; state: string }, now: number): string {
  const cost = s.stoppedPricePerHour ?? s.pricePerHour;
  const stake = f.state === 'running' ? s.pricePerHour : cost;
  const stakeText = stake === null ? '' : ` Deleting it ends ${money(stake)}/h (${money(stake * 24 * 30)} a month); its disk and data are lost.`;
  const inactive = f.inactiveSince === null ? '' : ` Inactive (${f.state === 'running' ? 'idle' : f.state}) for ${minutesText(now - f.inactiveSince)}.`;
  return `:warning: ${subjectText(s)} will be *deleted* at ${clock(f.at, now)} unless activity returns.${inactive}${stakeText} ${keepText(ctx, s, 'hold it')}`;
}

export function deletedText(s: MessageSubject, ctx: MessageContext, f: { inactiveSince: number | null; state: string }, now: number): string {
  const stake = f.state === 'running' ? s.pricePerHour : (s.stoppedPricePerHour ?? s.pricePerHour);
  const inactive = f.inactiveSince === null ? '' : ` after ${minutesText(now - f.inactiveSince)} inactive`;
  void ctx;
  return `:wastebasket: Deleted ${subjectText(s)}${inactive} (it was ${f.state}).${stake === null ? '' : ` Saves ${money(stake)}/h from now on.`}`;
}

export function actionFailedText(kind: string, s: MessageSubject, ctx: MessageContext, reason: string): string {
  const link = dashboardLink(ctx, s.id, 'see it on the dashboard');
  return `:x: ${kind} of ${subjectText(s)} failed: ${safe(reason)}. It stays as it is and is tried again on a later cycle.${link ? ` ${link}` : ''}`;
}

export function actionSkippedText(kind: string, s: MessageSubject, ctx: MessageContext, reason: string): string {
  const link = dashboardLink(ctx, s.id, 'see it on the dashboard');
  return `:x: ${kind} of ${subjectText(s)} skipped: ${safe(reason)}.${link ? ` ${link}` : ''}`;
}

export type OperatorAct = 'resume' | 'hold' | 'release';

export function operatorActText(act: OperatorAct, s: MessageSubject, ctx: MessageContext, actor: string, detail: string): string {
  const icon = act === 'resume' ? ':arrow_forward:' : act === 'hold' ? ':lock:' : ':unlock:';
  const verb = act === 'resume' ? 'Resumed' : act === 'hold' ? 'Hold set on' : 'Hold released on';
  const link = dashboardLink(ctx, s.id, 'dashboard');
  return `${icon} ${verb} ${subjectText(s)} through the ${actor}: ${safe(detail)}.${link ? ` ${link}` : ''}`;
}

export function pauseWarningCancelledText(s: MessageSubject, ctx: MessageContext, why: string): string {
  void ctx;
  return `:white_check_mark: ${subjectText(s)} will not be paused after all: ${safe(why)}.`;
}

/** The audit views' line for repeated pause warnings of one instance: `warned 6 times, called off 6 times since 10:02 UTC`. */
export function repeatedWarningsText(warned: number, calledOff: number, since: number, now: number): string {
  const times = (n: number) => `${n} time${n === 1 ? '' : 's'}`;
  return `warned ${times(warned)}, called off ${times(calledOff)} since ${clock(since, now)}`;
}

/** The audit views' reason of a pause warning that activity called off. */
export function calledOffReasonText(reason: string, calledOffAt: number, now: number): string {
  return `${reason}; called off at ${clock(calledOffAt, now)}`;
}

/** A team's part of the daily digest, sent to its own webhook (`digest` is notify/digest.ts's text). */
export function teamDigestText(team: string, digest: string): string {
  return `Team *${safe(team)}*: ${digest}`;
}

/** What `doctor --send-test` sends through the webhook. */
export function webhookTestText(replicaId: string): string {
  return `:stethoscope: cost-optimizer doctor on ${replicaId}: test message; the controller's warnings and actions arrive here.`;
}
