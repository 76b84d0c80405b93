// The wider query on every real capture (as test/fixtures/captures.ts reads them, idle and load sections): field discovery from
// the driver's --help-query-gpu, and the engine columns parsed and aggregated as the driver printed them.
import { describe, expect, it } from 'vitest';
import { captureFiles, helpQueryGpu, loadCaptureSections } from '../../test/fixtures/captures';
import { statsOf } from './aggregate';
import { parseLine } from './parse';
import { BASE_FIELDS, ENGINE_FIELDS, fieldsFor, isQueryFieldList, listedFields } from './query';

const sections = loadCaptureSections();
const value = (raw: string | undefined): number | null => {
  const v = (raw ?? '').replace(/\s*%$/, '').trim();
  return /^\d+(\.\d+)?$/.test(v) ? Number(v) : null;
};

describe('field discovery on every capture', () => {
  it.each(captureFiles())('%s: lists the core fields and queries every engine field it lists', (file) => {
    const listed = listedFields(helpQueryGpu(file));
    for (const f of BASE_FIELDS) expect(listed.has(f), f).toBe(true);
    const fields = fieldsFor(listed);
    expect(isQueryFieldList(fields)).toBe(true);
    expect(fields.slice(0, BASE_FIELDS.length)).toEqual([...BASE_FIELDS]);
    expect(fields.slice(BASE_FIELDS.length)).toEqual(ENGINE_FIELDS.filter((f) => listed.has(f)));
  });

  it('sees the two drivers of the RTX 2080 SUPER list different fields (so the list is read per host)', () => {
    const a = listedFields(helpQueryGpu(captureFiles().find((f) => f.includes('2080-super__595'))!));
    const b = listedFields(helpQueryGpu(captureFiles().find((f) => f.includes('2080-super__610'))!));
    expect(a.size).not.toBe(b.size);
    expect([...b].filter((f) => !a.has(f)).length).toBeGreaterThan(0);
  });

  it('leaves out what an older driver does not list, and refuses field lists it cannot parse', () => {
    const listed = listedFields(helpQueryGpu(captureFiles()[0]!));
    listed.delete('utilization.jpeg');
    listed.delete('utilization.ofa');
    expect(fieldsFor(listed)).toEqual([...BASE_FIELDS, 'utilization.encoder', 'utilization.decoder', 'encoder.stats.sessionCount']);
    expect(isQueryFieldList(['index', 'uuid'])).toBe(false);
    expect(isQueryFieldList([...BASE_FIELDS, 'utilization.memory'])).toBe(false);
    expect(isQueryFieldList([...BASE_FIELDS, 'utilization.encoder', 'utilization.encoder'])).toBe(false);
  });
});

describe('engine columns on every capture section', () => {
  it('has an idle and a load section per capture', () => {
    for (const file of captureFiles()) expect(sections.filter((s) => s.file === file).map((s) => s.phase)).toEqual(['idle', 'load']);
  });

  it.each(sections.map((s) => [`${s.file} ${s.phase}`, s] as const))('%s', (_name, s) => {
    const r = parseLine(s.wideLine, s.fields);
    expect(r.kind).toBe('reading');
    if (r.kind !== 'reading') return;
    expect(r.reading.util).toBe(value(s.columns['utilization.gpu']));
    expect(r.reading.enc).toBe(value(s.columns['utilization.encoder']));
    expect(r.reading.dec).toBe(value(s.columns['utilization.decoder']));
    expect(r.reading.jpeg).toBe(value(s.columns['utilization.jpeg']));
    expect(r.reading.ofa).toBe(value(s.columns['utilization.ofa']));
    expect(r.reading.encSessions).toBe(value(s.columns['encoder.stats.sessionCount']));
    const [g] = statsOf([r.reading]);
    expect(g).toHaveProperty('enc');
    expect(g!.enc === null ? null : g!.enc!.max).toBe(r.reading.enc);
  });

  it('reads the 2080 SUPER video encode (driver 595) as SM 8 %, NVENC 100 %, two sessions', () => {
    const s = sections.find((x) => x.file.includes('2080-super__595') && x.phase === 'load')!;
    const r = parseLine(s.wideLine, s.fields);
    expect(r).toMatchObject({ kind: 'reading', reading: { util: 8, enc: 100, dec: 0, encSessions: 2 } });
  });

  it('keeps MIG engines unknown ([N/A]), never 0', () => {
    for (const s of sections.filter((x) => x.file.includes('mig'))) {
      const r = parseLine(s.wideLine, s.fields);
      expect(r).toMatchObject({ kind: 'reading', reading: { util: null, enc: null, dec: null, jpeg: null, ofa: null } });
    }
  });

  it('omits engines that were not queried (not applicable), and a wider row under the core query is garbled', () => {
    const s = sections[0]!;
    const core = parseLine(s.line);
    expect(core.kind === 'reading' && 'enc' in core.reading).toBe(false);
    expect(statsOf(core.kind === 'reading' ? [core.reading] : [])[0]).not.toHaveProperty('enc');
    expect(parseLine(s.wideLine).kind).toBe('error');
  });
});
