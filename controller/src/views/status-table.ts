// Renders GET /api/status as the terminal table `cost-optimizer status` prints (pure: JSON in, text out).
import { stripControl } from '../../../protocol/untrusted-text';
import { compactDuration } from '../../../protocol/duration-text';

export interface StatusInstanceView {
  id: string;
  provider: string;
  name: string;
  state: string;
  gpuName: string | null;
  numGpus: number;
  pricePerHour: number | null;
  metricSource: string;
  lastSample: {
    t: number | string | null;
    util: number | null;
    memUsed: number | null;
    memTotal: number | null;
    /** Busiest GPU per other engine (percent; encSessions: open sessions); absent from older controllers. */
    engines?: Partial<Record<'enc' | 'dec' | 'jpeg' | 'ofa' | 'encSessions', { max: number; mean: number; gpu: number }>>;
    tempC?: number | null;
  } | null;
  idleSince: string | null;
  protected: boolean;
  nextAction: { kind: string; at: string | null; reason: string } | null;
}

function cell(s: string, width: number): string {
  return s.length > width ? s.slice(0, width - 1) + '…' : s.padEnd(width);
}

export function renderStatusTable(instances: readonly StatusInstanceView[], now: number): string {
  const header = ['INSTANCE', 'PROVIDER', 'STATE', 'GPU', 'UTIL', 'SOURCE', 'IDLE FOR', 'NEXT ACTION'];
  const rows = instances.map((i) => {
    const util = i.lastSample ? (i.lastSample.util === null ? 'unknown' : `${i.lastSample.util.toFixed(1)}%`) : '-';
    const gpu = i.gpuName ? `${i.numGpus > 1 ? `${i.numGpus}x ` : ''}${i.gpuName}` : '-';
    const idle = i.idleSince ? compactDuration(now - Date.parse(i.idleSince)) : '-';
    let next = i.protected ? 'protected' : '-';
    if (i.nextAction) {
      const at = i.nextAction.at ? Date.parse(i.nextAction.at) : NaN;
      next = `${i.nextAction.kind}${Number.isFinite(at) ? (at <= now ? ' now' : ` in ${compactDuration(at - now)}`) : ''}`;
    }
    // Names and GPU strings come from agents and providers: no escape sequence reaches the operator's terminal.
    return [i.id, i.provider, i.state, gpu, util, i.metricSource, idle, next].map((v) => stripControl(String(v)));
  });
  const widths = header.map((h, c) => Math.min(c === 0 ? 40 : 28, Math.max(h.length, ...rows.map((r) => r[c]!.length))));
  const line = (r: string[]) =>
    r
      .map((v, c) => cell(v, widths[c]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
