// A strict parser of the Prometheus text exposition format (0.0.4), used to prove /metrics output is valid.

export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(raw: string, line: number): number {
  if (raw === '+Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  if (raw === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`line ${line}: bad value "${raw}"`);
  return Number(raw);
}

export function parsePrometheusText(text: string): ExpositionSample[] {
  const out: ExpositionSample[] = [];
  const typed = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    const n = i + 1;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*)(?: (.*))?$/.exec(line);
      if (!m) {
        if (/^# (HELP|TYPE)/.test(line)) throw new Error(`line ${n}: malformed ${line}`);
        return; // plain comment
      }
      if (m[1] === 'TYPE') {
        if (!TYPES.has(m[3] ?? '')) throw new Error(`line ${n}: unknown type ${m[3]}`);
        if (typed.has(m[2]!)) throw new Error(`line ${n}: second TYPE for ${m[2]}`);
        typed.set(m[2]!, m[3]!);
      }
      return;
    }
    const nm = NAME.exec(line);
    if (!nm) throw new Error(`line ${n}: bad metric name`);
    let rest = line.slice(nm[0].length);
    const labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      rest = rest.slice(1);
      while (!rest.startsWith('}')) {
        const ln = LABEL_NAME.exec(rest);
        if (!ln) throw new Error(`line ${n}: bad label name`);
        rest = rest.slice(ln[0].length);
        if (!rest.startsWith('="')) throw new Error(`line ${n}: expected ="`);
        rest = rest.slice(2);
        let v = '';
        for (;;) {
          if (rest === '') throw new Error(`line ${n}: unterminated label value`);
          const c = rest[0]!;
          if (c === '\\') {
            const e = rest[1];
            if (e === 'n') v += '\n';
            else if (e === '\\' || e === '"') v += e;
            else throw new Error(`line ${n}: bad escape`);
            rest = rest.slice(2);
          } else if (c === '"') {
            rest = rest.slice(1);
            break;
          } else {
            v += c;
            rest = rest.slice(1);
          }
        }
        labels[ln[0]] = v;
        if (rest.startsWith(',')) rest = rest.slice(1);
        else if (!rest.startsWith('}')) throw new Error(`line ${n}: expected , or }`);
      }
      rest = rest.slice(1);
    }
    const parts = rest.trim().split(/\s+/);
    if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2) throw new Error(`line ${n}: expected value [timestamp]`);
    out.push({ name: nm[0], labels, value: parseValue(parts[0]!, n) });
  });
  return out;
}
