import { describe, expect, it } from 'vitest';
import { captureFiles, loadCaptureSections } from '../../test/fixtures/captures';
import { parseLine, parseOutput } from './parse';

const sections = loadCaptureSections();

describe('parse on the real captures', () => {
  it('finds an idle and a load section in every capture file', () => {
    expect(captureFiles().length).toBeGreaterThanOrEqual(4);
    for (const file of captureFiles()) {
      expect(sections.filter((s) => s.file === file).map((s) => s.phase)).toEqual(['idle', 'load']);
    }
  });

  it.each(sections.map((s) => [`${s.file} ${s.phase}`, s] as const))('%s parses to the captured values', (_name, s) => {
    const r = parseLine(s.line);
    expect(r.kind).toBe('reading');
    if (r.kind !== 'reading') return;
    const num = (col: string) => {
      const raw = s.columns[col]!.trim();
      return raw.startsWith('[') ? null : Number(raw.split(' ')[0]);
    };
    expect(r.reading.index).toBe(Number(s.columns['index']));
    expect(r.reading.name).toBe(s.columns['name']!.trim());
    expect(r.reading.uuid).toBe(s.columns['uuid']!.trim());
    expect(r.reading.util).toBe(num('utilization.gpu'));
    expect(r.reading.memUsedMiB).toBe(num('memory.used'));
    expect(r.reading.memTotalMiB).toBe(num('memory.total'));
    expect(r.reading.tempC).toBe(num('temperature.gpu'));
    expect(r.reading.powerW).toBe(num('power.draw'));
  });

  it('reads MIG utilization as unknown even under load, while memory and power are high', () => {
    const mig = sections.filter((s) => s.file.includes('mig'));
    expect(mig).toHaveLength(2);
    for (const s of mig) {
      const r = parseLine(s.line);
      expect(r.kind === 'reading' && r.reading.util).toBeNull();
    }
    const load = parseLine(mig.find((s) => s.phase === 'load')!.line);
    expect(load.kind === 'reading' && load.reading.powerW! > 300).toBe(true);
  });

  it('reads the H100 and H200 under gpu-burn as 100 %', () => {
    for (const s of sections.filter((x) => x.phase === 'load' && /h100-80gb|h200/.test(x.file))) {
      const r = parseLine(s.line);
      expect(r.kind === 'reading' && r.reading.util).toBe(100);
    }
  });
});

describe('parse on bad input', () => {
  it.each(['[N/A]', '[Not Supported]', '[Unknown Error]', '[Insufficient Permissions]', '', ' ', 'abc', '12abc', '-5', '101', 'NaN', '1e3'])(
    'utilization %j is unknown, never 0',
    (v) => {
      const r = parseLine(`0, GPU-1, NVIDIA H100, ${v}, 10, 80000, 40, 70.5`);
      expect(r.kind).toBe('reading');
      expect(r.kind === 'reading' && r.reading.util).toBeNull();
    },
  );

  it.each(['', 'garbage', '0, GPU-1, H100', '0, a, b, c, d, e, f, g, h', 'x, GPU-1, H100, 5, 1, 2, 3, 4', '[N/A], GPU-1, H100, 5, 1, 2, 3, 4'])(
    'garbled line %j is an error, not a reading',
    (line) => {
      expect(parseLine(line).kind).toBe('error');
    },
  );

  it('recognises the driver failure message', () => {
    const r = parseLine(
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
    );
    expect(r).toMatchObject({ kind: 'error', code: 'driver' });
  });

  it('parses a multi-GPU block and skips blank lines', () => {
    const out = parseOutput('0, GPU-a, H100, 3, 1, 80000, 30, 70\n\n1, GPU-b, H100, 97, 70000, 80000, 60, 650.5\r\ngarbled\n');
    expect(out.readings.map((r) => [r.index, r.util])).toEqual([
      [0, 3],
      [1, 97],
    ]);
    expect(out.errors).toHaveLength(1);
  });
});
