// A hand-written check of the protocol's BatchSchema for the ingest hot path: zod takes ~200 us per 8-GPU batch
// (most of the controller's CPU at 1000 batches/s), this takes a few. It is only ever a shortcut: whatever it
// accepts, BatchSchema accepts too (fast-batch.test.ts checks that against the real schema with random and mutated
// frames); whatever it refuses goes to BatchSchema, which decides and gives the error message.
import { type Batch, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from '../../../protocol';

const EPOCH_MIN = 1_577_836_800_000;
const EPOCH_MAX = 4_102_444_800_000;
const DAY_MS = 24 * 3_600_000;
const EPS = 1e-9;

const BATCH_KEYS = new Set(['v', 'type', 'runId', 'seq', 't0', 't1', 'sentAt', 'gpus', 'procs', 'health', 'dropped']);
/** A batch from an agent that reports interactive activity (optional field). */
const BATCH_KEYS_INTERACTIVE = new Set([...BATCH_KEYS, 'interactive']);
const INTERACTIVE_KEYS = new Set(['terminalInputAt', 'terminals', 'notebookActivityAt', 'notebookBusy', 'notebooks']);
const EVIDENCE = new Set(['ok', 'none', 'unreadable']);
const GPU_KEYS = new Set(['index', 'uuid', 'count', 'utilUnknown', 'util', 'memUsed', 'memTotal', 'temp', 'power']);
/** Optional per-GPU engine stats (GpuStatsSchema): percent stats, and the encoder session count. */
const GPU_ENGINE_KEYS = ['enc', 'dec', 'jpeg', 'ofa'] as const;
const ERROR_CODES = new Set(['driver', 'missing', 'exited', 'parse']);

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Exactly the given keys (strict object, all required). */
function hasExactly(o: Obj, keys: Set<string>): boolean {
  const own = Object.keys(o);
  if (own.length !== keys.size) return false;
  for (const k of own) if (!keys.has(k)) return false;
  return true;
}

function int(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function num(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
}

function str(v: unknown, min: number, max: number): v is string {
  return typeof v === 'string' && v.length >= min && v.length <= max;
}

function stat(v: unknown, max: number): boolean {
  if (!isObject(v)) return false;
  const keys = Object.keys(v);
  if (keys.length !== 3 || !('min' in v) || !('mean' in v) || !('max' in v)) return false;
  const { min, mean, max: hi } = v as { min: unknown; mean: unknown; max: unknown };
  if (!num(min, 0, max) || !num(mean, 0, max) || !num(hi, 0, max)) return false;
  return (min as number) <= (mean as number) + EPS && (mean as number) <= (hi as number) + EPS;
}

/** The required GPU keys, and the optional engine keys each at most once and valid. */
function gpuKeys(v: Obj): boolean {
  let optional = 0;
  for (const k of GPU_ENGINE_KEYS) {
    if (!(k in v)) continue;
    if (!(v[k] === null || v[k] === undefined || stat(v[k], 100))) return false;
    optional++;
  }
  if ('encSessions' in v) {
    if (!(v.encSessions === null || v.encSessions === undefined || stat(v.encSessions, 1e9))) return false;
    optional++;
  }
  const own = Object.keys(v);
  if (own.length !== GPU_KEYS.size + optional) return false;
  let required = 0;
  for (const k of own) if (GPU_KEYS.has(k)) required++;
  return required === GPU_KEYS.size;
}

function gpu(v: unknown): boolean {
  if (!isObject(v) || !gpuKeys(v)) return false;
  if (!int(v.index, 0, 1023)) return false;
  if (!(v.uuid === null || str(v.uuid, 0, 128))) return false;
  if (!int(v.count, 0, 100_000) || !int(v.utilUnknown, 0, 100_000)) return false;
  if ((v.utilUnknown as number) > (v.count as number)) return false;
  if (!(v.util === null || stat(v.util, 100))) return false;
  if (!(v.memUsed === null || stat(v.memUsed, 1e9))) return false;
  if (!(v.memTotal === null || num(v.memTotal, 0, 1e9))) return false;
  if (!(v.temp === null || stat(v.temp, 1e9))) return false;
  return v.power === null || stat(v.power, 1e9);
}

function health(v: unknown): boolean {
  if (!isObject(v)) return false;
  const keys = Object.keys(v);
  if (v.state === 'ok') return keys.length === 1;
  if (v.state !== 'error' || keys.length !== 3 || !('code' in v) || !('message' in v)) return false;
  return typeof v.code === 'string' && ERROR_CODES.has(v.code) && str(v.message, 0, 1024);
}

function interactive(v: unknown): boolean {
  if (!isObject(v) || !hasExactly(v, INTERACTIVE_KEYS)) return false;
  if (!(v.terminalInputAt === null || int(v.terminalInputAt, EPOCH_MIN, EPOCH_MAX))) return false;
  if (!(v.notebookActivityAt === null || int(v.notebookActivityAt, EPOCH_MIN, EPOCH_MAX))) return false;
  return typeof v.notebookBusy === 'boolean' && EVIDENCE.has(v.terminals as string) && EVIDENCE.has(v.notebooks as string);
}

/** The value as a Batch when it certainly satisfies BatchSchema; null when unsure (then ask BatchSchema). */
export function fastCheckBatch(v: unknown): Batch | null {
  if (!isObject(v)) return null;
  const withInteractive = 'interactive' in v;
  if (!hasExactly(v, withInteractive ? BATCH_KEYS_INTERACTIVE : BATCH_KEYS)) return null;
  if (withInteractive && !interactive(v.interactive)) return null;
  if (!int(v.v, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION) || v.type !== 'batch') return null;
  if (!str(v.runId, 8, 64)) return null;
  if (!int(v.seq, 1, Number.MAX_SAFE_INTEGER) || !int(v.dropped, 0, Number.MAX_SAFE_INTEGER)) return null;
  if (!int(v.t0, EPOCH_MIN, EPOCH_MAX) || !int(v.t1, EPOCH_MIN, EPOCH_MAX) || !int(v.sentAt, EPOCH_MIN, EPOCH_MAX)) return null;
  if ((v.t0 as number) > (v.t1 as number) || (v.t1 as number) - (v.t0 as number) > DAY_MS) return null;
  if (!(v.procs === null || int(v.procs, 0, 1_000_000))) return null;
  if (!health(v.health)) return null;
  const gpus = v.gpus;
  if (!Array.isArray(gpus) || gpus.length > 64) return null;
  for (const g of gpus) if (!gpu(g)) return null;
  return v as unknown as Batch;
}
