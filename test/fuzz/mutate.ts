// Generators of hostile input for the controller: random bytes, mutated valid frames, wrong types, hostile numbers.
import { rng } from '../traces/trace';

const HOSTILE_NUMBERS: unknown[] = [NaN, -1, -0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 1e21, 0.5, '5', null, true, [], {}, '1e3', Infinity];
const HOSTILE_STRINGS: unknown[] = [
  '',
  'x'.repeat(5000),
  '\u0000',
  '../../etc/passwd',
  "'; DROP TABLE samples; --",
  '<script>alert(1)</script>',
  42,
  null,
  {},
  ['a'],
];

/** Deep-clone a JSON value and mutate one randomly chosen leaf or key. */
export function mutateJson(value: unknown, r: () => number): unknown {
  const clone = JSON.parse(JSON.stringify(value)) as unknown;
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v && typeof v === 'object') for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k], [...path, k]);
  };
  walk(clone, []);
  const path = paths[1 + Math.floor(r() * (paths.length - 1))] ?? [];
  if (path.length === 0) return clone;
  // Objects and arrays alike are indexed by the path's keys; a record type covers both for the edits below.
  type Node = Record<string | number, unknown>;
  const parent = path.slice(0, -1).reduce<Node>((o, k) => o[k] as Node, clone as Node);
  const key = path[path.length - 1]!;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const op = Math.floor(r() * 5);
  if (op === 0) parent[key] = pick(HOSTILE_NUMBERS);
  else if (op === 1) parent[key] = pick(HOSTILE_STRINGS);
  else if (op === 2 && !Array.isArray(parent)) delete parent[key];
  else if (op === 3 && !Array.isArray(parent)) parent[`unknown_${Math.floor(r() * 100)}`] = 1;
  else {
    const cur = parent[key];
    parent[key] = typeof cur === 'number' ? cur * (r() < 0.5 ? -1 : 1e6) + (r() < 0.5 ? 4_102_444_800_000 : 0) : pick(HOSTILE_NUMBERS);
  }
  return clone;
}

export type FuzzFrame = { kind: 'text'; data: string } | { kind: 'binary'; data: Buffer };

/** A stream of hostile frames derived from valid ones, deterministic for a seed. */
export function* hostileFrames(valid: readonly unknown[], seed: number, count: number, maxBytes: number): Generator<FuzzFrame> {
  const r = rng(seed);
  for (let i = 0; i < count; i++) {
    const k = Math.floor(r() * 6);
    const base = valid[Math.floor(r() * valid.length)];
    if (k === 0) yield { kind: 'binary', data: Buffer.from(Array.from({ length: 1 + Math.floor(r() * 512) }, () => Math.floor(r() * 256))) };
    else if (k === 1) yield { kind: 'text', data: JSON.stringify(base).slice(0, Math.floor(r() * JSON.stringify(base).length)) };
    else if (k === 2) yield { kind: 'text', data: 'x'.repeat(maxBytes + 1 + Math.floor(r() * 1000)) };
    else if (k === 3) yield { kind: 'text', data: JSON.stringify(r() < 0.5 ? [base] : r() < 0.5 ? null : 42) };
    else yield { kind: 'text', data: JSON.stringify(mutateJson(base, r)) };
  }
}
