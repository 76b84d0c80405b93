// Classification of ssh/nvidia-smi outcomes, on real capture lines and the messages OpenSSH and nvidia-smi print.
import { describe, expect, it } from 'vitest';
import { FIELDS_MARK, QUERY_FIELDS } from '../../../protocol/nvidia-smi/query';
import { loadCaptureSections, scriptOutput } from '../../../test/fixtures/captures';
import { classify } from './classify';
import type { RunOutcome } from './run-remote';

const run = (o: Partial<RunOutcome>): RunOutcome => ({
  exitCode: 0,
  signal: null,
  stdout: '',
  stderr: '',
  timedOut: false,
  truncated: false,
  spawnError: null,
  durationMs: 10,
  ...o,
});
const code = (o: Partial<RunOutcome>) => {
  const c = classify(run(o), 15_000);
  return c.ok ? 'ok' : c.code;
};

describe('classify', () => {
  it('reads every real capture into GPU stats', () => {
    const sections = loadCaptureSections();
    expect(sections.length).toBeGreaterThan(0);
    for (const s of sections) {
      const c = classify(run({ stdout: scriptOutput(s) }), 15_000);
      expect(c.ok, s.file).toBe(true);
    }
  });

  it('reads the engines the field line names: the 2080 SUPER NVENC load has encoder 100 % and 2 sessions', () => {
    const load = loadCaptureSections().find((s) => s.file.includes('2080-super__595') && s.phase === 'load')!;
    const c = classify(run({ stdout: scriptOutput(load) }), 15_000);
    expect(c.ok && c.gpus[0]).toMatchObject({ util: { max: 8 }, enc: { max: 100 }, dec: { max: 0 }, encSessions: { max: 2 } });
    // A host whose driver lists no engine field: the core query alone, engines absent (not applicable).
    const core = classify(run({ stdout: `${FIELDS_MARK}${QUERY_FIELDS.join(',')}\n${load.line}\n` }), 15_000);
    expect(core.ok && core.gpus[0]).not.toHaveProperty('enc');
  });

  it('refuses output without a usable field line: the columns could not be named', () => {
    const s = loadCaptureSections()[0]!;
    expect(code({ stdout: s.line + '\n' })).toBe('parse');
    expect(code({ stdout: `${FIELDS_MARK}index,uuid,bogus.field\n${s.line}\n` })).toBe('parse');
    // Field line and row disagree in width: garbled, never a reading.
    expect(code({ stdout: `${FIELDS_MARK}${s.fields.join(',')}\n${s.line}\n` })).toBe('parse');
  });

  it('keeps [N/A] utilization (MIG) unknown in the stats, never 0', () => {
    const mig = loadCaptureSections().find((s) => s.file.includes('mig') && s.line.includes('[N/A]'));
    expect(mig).toBeDefined();
    const c = classify(run({ stdout: scriptOutput(mig!) }), 15_000);
    expect(c.ok && c.gpus[0]).toMatchObject({ util: null, utilUnknown: 1, enc: null, dec: null });
  });

  it('tells ssh failures apart by what ssh printed', () => {
    expect(code({ exitCode: 255, stderr: 'root@10.0.0.1: Permission denied (publickey).\r\n' })).toBe('auth');
    expect(code({ exitCode: 255, stderr: 'Received disconnect from 10.0.0.1 port 22:2: Too many authentication failures' })).toBe('auth');
    expect(code({ exitCode: 255, stderr: '@@@@@\nWARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!\n...\nHost key verification failed.\n' })).toBe('hostkey');
    expect(code({ exitCode: 255, stderr: 'Connection timed out during banner exchange\nConnection to 10.0.0.1 port 22 timed out' })).toBe('timeout');
    expect(code({ exitCode: 255, stderr: 'ssh: connect to host 10.0.0.1 port 22: Connection timed out' })).toBe('timeout');
    expect(code({ exitCode: 255, stderr: 'ssh: connect to host 10.0.0.1 port 22: Connection refused' })).toBe('unreachable');
    expect(code({ exitCode: 255, stderr: 'ssh: Could not resolve hostname nope: Name or service not known' })).toBe('unreachable');
    expect(code({ exitCode: 255, stderr: 'kex_exchange_identification: read: Connection reset by peer' })).toBe('unreachable');
    expect(code({ exitCode: 255 })).toBe('unreachable');
    expect(code({ timedOut: true, exitCode: null, signal: 'SIGKILL' })).toBe('timeout');
    expect(code({ spawnError: 'spawn ssh ENOENT', exitCode: null })).toBe('unreachable');
  });

  it('tells nvidia-smi failures apart: driver, missing, other exit', () => {
    const msg =
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.";
    expect(code({ exitCode: 9, stdout: msg + '\n' })).toBe('driver');
    expect(code({ exitCode: 15, stdout: 'Unable to determine the device handle for GPU0000:41:00.0: GPU is lost.' })).toBe('driver');
    expect(code({ exitCode: 6, stdout: 'No devices were found' })).toBe('driver');
    expect(code({ exitCode: 127, stderr: 'bash: line 1: nvidia-smi: command not found' })).toBe('missing');
    expect(code({ exitCode: 127, stderr: 'sh: 1: nvidia-smi: not found' })).toBe('missing');
    // nvidia-smi's own 255 ("other error") is not mistaken for an ssh failure when it printed something of its own.
    expect(code({ exitCode: 255, stdout: 'Unknown Error' })).toBe('exited');
    expect(code({ exitCode: 4, stderr: 'Insufficient Permissions' })).toBe('exited');
  });

  it('refuses output it cannot fully read', () => {
    const head = `${FIELDS_MARK}${QUERY_FIELDS.join(',')}\n`;
    const good = '0, GPU-a, NVIDIA H100 80GB HBM3, 0, 0, 81559, 41, 69.85';
    expect(code({ stdout: '' })).toBe('parse');
    expect(code({ stdout: head })).toBe('parse');
    expect(code({ stdout: head + good + '\n@@ garbled ,,,\n' })).toBe('parse');
    expect(code({ stdout: `${head}${good}\n${good}\n` })).toBe('parse');
    expect(code({ stdout: head + good, truncated: true })).toBe('parse');
    expect(code({ stdout: head + good + '\n' + good.replace(/^0/, '1') })).toBe('ok');
  });
});
