// Every real capture through the whole reading path, as the agent and the controller run it: parse (the wider query
// the capture's driver accepts) -> per-interval stats -> stored blob (encoded and decoded) -> summary -> the engine's
// classification. The 2080 SUPER video encode (SM 8 %, NVENC 100 %) must be busy; an all-zero idle GPU idle; MIG unknown.
import { describe, expect, it } from 'vitest';
import { classifySample } from '../../controller/src/engine/classify-sample';
import { decodeGpus, encodeGpus } from '../../controller/src/store/gpu-codec';
import { prepareSample, summarizeStored } from '../../controller/src/store/summarize';
import { statsOf } from '../../protocol/nvidia-smi/aggregate';
import { parseOutput } from '../../protocol/nvidia-smi/parse';
import { QUERY_FIELDS, type QueryField } from '../../protocol/nvidia-smi/query';
import { type CaptureSection, loadCaptureSections } from '../fixtures/captures';

const THRESHOLD = 10;
const GAP = 180_000;

function classifyCapture(s: CaptureSection, line = s.wideLine, fields: readonly QueryField[] = s.fields) {
  const parsed = parseOutput(line, fields);
  expect(parsed.errors).toEqual([]);
  const p = prepareSample('agent', statsOf(parsed.readings), { state: 'ok' });
  const stored = decodeGpus(encodeGpus(p.gpus)); // what a later read of the row sees
  expect(stored).toEqual(p.gpus);
  const summary = summarizeStored(1_000_000, 10_000, p.flags, p.count, null, stored, p.memTotalMiB);
  return { summary, cls: classifySample(summary, THRESHOLD, GAP) };
}

const expected = (s: CaptureSection): 'idle' | 'busy' | 'unknown' => (s.file.includes('mig') ? 'unknown' : s.phase === 'idle' ? 'idle' : 'busy');

describe('every capture, idle and load, classified by the engine', () => {
  it.each(loadCaptureSections().map((s) => [`${s.file} ${s.phase}`, s] as const))('%s', (_n, s) => {
    expect(classifyCapture(s).cls).toBe(expected(s));
  });

  it('the 2080 SUPER NVENC load (driver 595) is busy by its encoder, on GPU 0, though SM reads 8 %', () => {
    const s = loadCaptureSections().find((x) => x.file.includes('2080-super__595') && x.phase === 'load')!;
    const { summary, cls } = classifyCapture(s);
    expect(summary.utilMax).toBe(8);
    expect(summary.engines?.enc).toEqual({ max: 100, mean: 100, gpu: 0 });
    expect(summary.engines?.encSessions).toMatchObject({ max: 2, gpu: 0 });
    expect(cls).toBe('busy');
  });

  it('an idle GPU with every engine at 0 is idle', () => {
    for (const s of loadCaptureSections().filter((x) => x.phase === 'idle' && !x.file.includes('mig'))) {
      const { summary, cls } = classifyCapture(s);
      expect(Object.values(summary.engines ?? {}).map((e) => e?.max)).toEqual([0, 0, 0, 0, 0]);
      expect(cls, s.file).toBe('idle');
    }
  });

  it('a host whose driver lists no engine field reads SM only: the encode then looks idle (why discovery matters)', () => {
    const s = loadCaptureSections().find((x) => x.file.includes('2080-super__595') && x.phase === 'load')!;
    expect(classifyCapture(s, s.line, QUERY_FIELDS).cls).toBe('idle');
  });
});
