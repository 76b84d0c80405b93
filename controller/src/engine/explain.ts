// Human text for a Decision: the multi-line `cost-optimizer explain <id>` report and the one-line log formatter.
import type { ProviderInstance } from '../domain/instance';
import { dur } from '../../../protocol/duration-text';
import { iso, pct } from './format';
import { policyLines } from './instance-policy';
import type { Decision, DecisionFigures, RuleCheck } from './types';

/** Where the instance's policy comes from, and the pause warning of this idle episode. */
function policyExplainLines(f: DecisionFigures): string[] {
  const p = f.policy;
  const lines = p ? policyLines(p) : [];
  const out = [
    `policy:         ${lines.length === 0 || (p && p.idleMinutes === null && !p.noDelete) ? 'global rules (no [idle=...] or [no-delete] marker)' : ''}`.trimEnd(),
  ];
  for (const l of lines) out.push(`  ${l}`);
  if (f.pauseWarnedAt !== undefined)
    out.push(`pause warning:  ${f.pauseWarnedAt === null ? 'none sent for this idle episode' : `sent at ${iso(f.pauseWarnedAt)}`}`);
  if (f.pauseWarningHeldBack) out.push(`  held back: ${f.pauseWarningHeldBack}`);
  return out.map((l) => l.replace(/^policy:\s+$/, 'policy:'));
}

type Inst = Pick<ProviderInstance, 'id' | 'name' | 'provider' | 'gpuName' | 'numGpus' | 'state' | 'rawState' | 'pricePerHour'>;

const LABEL: Record<Decision['kind'], string> = { none: 'KEEP', pause: 'PAUSE', delete: 'DELETE', 'warn-delete': 'WARN-DELETE', 'warn-pause': 'WARN-PAUSE' };

/** One log line, e.g. `PAUSE: vast:123456 (RTX 4090) - GPU avg=3.2% max=6.0% over 30 min, 180 samples from agent (threshold=10.0%)`. */
export function formatDecisionLine(d: Decision, inst: Pick<Inst, 'id' | 'gpuName'>): string {
  return `${LABEL[d.kind]}: ${inst.id} (${inst.gpuName ?? 'unknown GPU'}) - ${d.reason}`;
}

/** Multi-line explanation with every figure, and every rule's outcome when the decision was made with `checks: true`. */
export function explain(d: Decision, inst: Inst): string {
  const f = d.figures;
  const now = f.now;
  const ago = (t: number | null) => (t === null ? 'n/a' : `${iso(t)} (${dur(now - t)} ago)`);
  const lines: string[] = [];
  const gpus = `${inst.gpuName ?? 'unknown GPU'} x${inst.numGpus}`;
  const price = inst.pricePerHour === null ? 'price unknown' : `$${inst.pricePerHour.toFixed(3)}/h`;
  lines.push(`${inst.id} "${inst.name}" - ${inst.provider}, ${gpus}, ${price}`);
  lines.push(`state:          ${inst.state} (provider: ${inst.rawState})`);
  lines.push(`decision:       ${LABEL[d.kind]} [${d.code}] - ${d.reason}`);
  lines.push(`at:             ${iso(now)}`);
  lines.push(`metric source:  ${f.source ?? 'none (no recent sample)'}`);
  lines.push(`window:         ${iso(f.windowStart)} -> ${iso(f.windowEnd)} (${dur(f.windowEnd - f.windowStart)})`);
  lines.push(`samples:        ${f.samples} counted (minimum ${f.minSamples}; whole buckets only, so a lower bound)`);
  lines.push(`utilization:    max ${pct(f.utilMax)}, mean ${pct(f.utilMean)} (threshold ${pct(f.thresholdPct)})`);
  if (f.busyAt !== null)
    lines.push(`busy reading:   ${f.busyWhy !== null ? `kept: ${f.busyWhy} (SM ${pct(f.busyUtil)})` : pct(f.busyUtil)} in a sample ending ${ago(f.busyAt)}`);
  if (f.unknownAt !== null) lines.push(`unknown reading: in a sample ending ${ago(f.unknownAt)}`);
  lines.push(
    `coverage:       ${f.covered ? 'covered' : 'NOT covered'}; largest gap ${f.largestGapSec === null ? 'n/a' : dur(f.largestGapSec * 1000)} (max ${dur(f.maxGapSec * 1000)}); last sample ended ${ago(f.lastSampleEnd)}`,
  );
  lines.push(`running since:  ${ago(f.runningSince)}`);
  lines.push(`idle since:     ${ago(f.idleSince)}`);
  lines.push(`inactive since: ${ago(f.inactiveSince)}`);
  const interactive = d.checks?.pause.find((c) => c.rule === 'interactive');
  lines.push(`interactive:    ${interactive ? interactive.detail : f.interactiveAt === null ? 'no input reported' : `latest input ${ago(f.interactiveAt)}`}`);
  lines.push(`protection:     ${f.protection.length === 0 ? 'none' : f.protection.map((p) => `${p.by}: ${p.detail}`).join('; ')}`);
  lines.push(...policyExplainLines(f));
  lines.push(`age:            ${ageLine(f)}`);
  lines.push(`delete warning: ${f.deleteWarnedAt === null ? 'none for this inactive stretch' : `sent ${ago(f.deleteWarnedAt)}`}`);
  lines.push(
    `next action:    ${f.next === null ? 'none expected' : `${f.next.kind} at ${iso(f.next.at)}${f.next.at > now ? ` (in ${dur(f.next.at - now)})` : ' (now)'}`}`,
  );
  if (d.checks) {
    lines.push('pause rules:');
    lines.push(...d.checks.pause.map(checkLine));
    lines.push('delete rules:');
    lines.push(...d.checks.delete.map(checkLine));
  } else {
    lines.push('rules:          (not computed: decide with {checks: true} to list each rule)');
  }
  return lines.join('\n');
}

function ageLine(f: Decision['figures']): string {
  if (f.ageHours !== null) return dur(f.ageHours * 3_600_000);
  if (f.ageAtLeastHours !== null) return `>= ${dur(f.ageAtLeastHours * 3_600_000)} (first seen ${iso(f.firstSeenAt)}; provider gives no creation time)`;
  return 'unknown (provider gives no creation time; not seen yet: never deleted)';
}

function checkLine(c: RuleCheck): string {
  return `  [${c.ok ? 'ok' : 'no'}] ${c.rule.padEnd(13)} ${c.detail}`;
}
