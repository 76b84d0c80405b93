// The video workloads of the trace library, read as the simulated agent reads them: SM stays under the pause
// threshold, yet every minute is busy by the encoder or the decoder, as the engine classifies it.
import { describe, expect, it } from 'vitest';
import { classifySample } from '../../controller/src/engine/classify-sample';
import { prepareSample, summarizeStored } from '../../controller/src/store/summarize';
import { videoAnalytics, videoTranscoding } from '../traces/workloads';
import { minuteStats } from './trace-readings';

describe('video workloads', () => {
  it.each([
    ['video-transcoding', videoTranscoding(), 'enc'],
    ['video-analytics', videoAnalytics(), 'dec'],
  ] as const)('%s: SM below 10 %% every minute, busy by its engine every minute', (_n, trace, engine) => {
    for (let m = 0; m < 24 * 60; m += 7) {
      const { gpus } = minuteStats(trace, m);
      expect(gpus).not.toBeNull();
      const p = prepareSample('agent', gpus!, { state: 'ok' });
      const s = summarizeStored(m * 60_000 + 60_000, 60_000, p.flags, p.count, 1, p.gpus, p.memTotalMiB);
      expect(s.utilMax!).toBeLessThan(10);
      expect(s.engines?.[engine]?.max).toBeGreaterThanOrEqual(30);
      expect(classifySample(s, 10, 180_000)).toBe('busy');
    }
    expect(trace.mayPause).toBe(false);
  });
});
