// The group report as the CLI prints it: one line per owner or team, then its periods indented. Pure.
import { stripControl } from '../../../protocol/untrusted-text';
import type { GroupReport } from './group-report';

const usd = (x: number) => `$${x.toFixed(2)}`;

export function groupReportTable(r: GroupReport): string {
  const lines: string[] = [];
  const budget = r.by === 'team';
  lines.push(`Spend and savings by ${r.by}, ${r.since.slice(0, 10)} to ${r.until.slice(0, 16).replace('T', ' ')} UTC, per ${r.per}:`);
  lines.push(
    `${r.by.toUpperCase().padEnd(24)} ${'INSTANCES'.padStart(9)} ${'SPEND'.padStart(12)} ${'SAVED'.padStart(12)}${budget ? ` ${'BUDGET/MONTH'.padStart(13)}` : ''}`,
  );
  for (const g of r.groups) {
    const name = g.name === null ? `(no ${r.by})` : stripControl(g.name);
    const b = budget ? ` ${(g.monthlyBudget === null || g.monthlyBudget === undefined ? '-' : usd(g.monthlyBudget)).padStart(13)}` : '';
    lines.push(`${name.padEnd(24)} ${String(g.instances).padStart(9)} ${usd(g.spendUsd).padStart(12)} ${usd(g.savingsUsd).padStart(12)}${b}`);
    for (const p of g.periods) lines.push(`  ${p.period.padEnd(22)} ${''.padStart(9)} ${usd(p.spendUsd).padStart(12)} ${usd(p.savingsUsd).padStart(12)}`);
  }
  lines.push(`${'TOTAL'.padEnd(24)} ${''.padStart(9)} ${usd(r.total.spendUsd).padStart(12)} ${usd(r.total.savingsUsd).padStart(12)}`);
  return lines.join('\n') + '\n';
}
