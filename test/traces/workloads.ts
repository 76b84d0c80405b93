// The trace library: realistic GPU workloads, each labelled with what a correct optimizer does with it.
import { noise, type Trace, type TracePoint } from './trace';

const H = 3600;
const DAY = 24 * H;
const WEEK = 7 * DAY;

const idlePoint = (seed: number, t: number, agentUp = true): TracePoint => ({
  util: Math.floor(noise(seed, t) * 3), // 0-2 %: desktop compositor, driver housekeeping
  memUsedMiB: 300,
  powerW: 60 + noise(seed + 1, t) * 10,
  busy: false,
  agentUp,
});

const busyPoint = (util: number, mem = 30_000, agentUp = true): TracePoint => ({
  util: Math.max(0, Math.min(100, Math.round(util))),
  memUsedMiB: mem,
  powerW: 100 + util * 5,
  busy: true,
  agentUp,
});

export function longTraining(seed = 1): Trace {
  return {
    name: 'long-training',
    description: 'a week-long training run, 92-100 % steady',
    expected: 'never paused',
    mayPause: false,
    durationSec: WEEK,
    at: (t) => busyPoint(92 + noise(seed, t) * 8, 70_000),
    resumeAfterPause: (p) => p + 60, // the user notices at once and resumes
  };
}

export function dataLoaderBound(seed = 2): Trace {
  return {
    name: 'dataloader-bound',
    description: 'training starved by its data loader: 15-40 % with dips to ~2 % lasting up to 90 s',
    expected: 'never paused',
    mayPause: false,
    durationSec: WEEK,
    at: (t) => {
      const cycle = t % 600;
      const dip = cycle < 60 + Math.floor(noise(seed, Math.floor(t / 600)) * 30);
      return { ...busyPoint(dip ? noise(seed + 3, t) * 3 : 15 + noise(seed, t) * 25, 40_000) };
    },
    resumeAfterPause: (p) => p + 60,
  };
}

export function burstyInference(seed = 3): Trace {
  return {
    name: 'bursty-inference',
    description: 'an inference server idle between requests, bursts of 50-90 % for 5-30 s every 2-10 min',
    expected: 'never paused (it is serving)',
    mayPause: false,
    durationSec: WEEK,
    at: (t) => {
      const slot = Math.floor(t / 600);
      const burstStart = Math.floor(noise(seed, slot) * 480);
      const burstLen = 5 + Math.floor(noise(seed + 1, slot) * 25);
      const inBurst = t % 600 >= burstStart && t % 600 < burstStart + burstLen;
      const p = inBurst ? busyPoint(50 + noise(seed + 2, t) * 40, 20_000) : { ...idlePoint(seed, t), memUsedMiB: 20_000 };
      return { ...p, busy: true }; // a server waiting for requests is in use
    },
    resumeAfterPause: (p) => p + 120,
  };
}

/** Used 09:00-18:00 every day (the seed's "idle 12 h a day" scenario), in bursts with pauses of up to 20 min. */
export function notebookDaytime(seed = 4): Trace {
  const working = (t: number) => {
    const hour = (t % DAY) / H;
    return hour >= 9 && hour < 18;
  };
  return {
    name: 'notebook-daytime',
    description: 'a notebook used 09:00-18:00 every day in bursts (gaps up to 20 min), left running overnight',
    expected: 'paused each evening, resumed by the user in the morning, never deleted',
    mayPause: true,
    durationSec: WEEK,
    at: (t) => {
      if (!working(t)) return idlePoint(seed, t);
      const block = Math.floor(t / 1200);
      const active = (t % 1200) < 600 + noise(seed, block) * 600;
      return active ? busyPoint(30 + noise(seed + 1, t) * 50, 12_000) : { ...idlePoint(seed, t), memUsedMiB: 12_000, busy: true };
    },
    resumeAfterPause: (p) => {
      // The user is back at the next 09:00.
      const d = Math.floor(p / DAY);
      return (p % DAY) / H < 9 ? d * DAY + 9 * H : (d + 1) * DAY + 9 * H;
    },
  };
}

export function forgotten(seed = 5): Trace {
  return {
    name: 'forgotten',
    description: 'rented and forgotten: idle from the first second',
    expected: 'paused after the window, deleted after DELETE_THRESHOLD_HOURS',
    mayPause: true,
    durationSec: WEEK,
    at: (t) => idlePoint(seed, t),
    resumeAfterPause: () => null,
  };
}

export function jobFinishesAtHour5(seed = 6): Trace {
  return {
    name: 'job-finishes-h5',
    description: 'a batch job at 95 % for 5 h, then the instance sits idle',
    expected: 'paused about one window after hour 5',
    mayPause: true,
    durationSec: WEEK,
    at: (t) => (t < 5 * H ? busyPoint(90 + noise(seed, t) * 10, 50_000) : idlePoint(seed, t)),
    resumeAfterPause: () => null,
  };
}

export function migUnderLoad(seed = 7): Trace {
  return {
    name: 'mig-under-load',
    description: 'MIG-enabled H100 under full load: utilization reads [N/A], memory and power high',
    expected: 'never paused (unknown is never idle)',
    mayPause: false,
    durationSec: WEEK,
    at: (t) => ({ util: null, memUsedMiB: 11_000 + noise(seed, t) * 500, powerW: 400 + noise(seed + 1, t) * 40, busy: true, agentUp: true }),
    resumeAfterPause: (p) => p + 60,
  };
}

export function agentDies(seed = 8): Trace {
  return {
    name: 'agent-dies',
    description: 'training at 95 %; its agent dies at hour 2 and never comes back',
    expected: 'never paused (missing data is never idle)',
    mayPause: false,
    durationSec: WEEK,
    at: (t) => busyPoint(90 + noise(seed, t) * 10, 60_000, t < 2 * H),
    resumeAfterPause: (p) => p + 60,
  };
}

export function userRestartsAfterPause(seed = 9): Trace {
  return {
    name: 'restarted-after-pause',
    description: 'idle for 2 h (paused), resumed by its user at hour 3 who trains for 6 h, then idle again',
    expected: 'paused, resumed by the user, not paused again while training, paused after training ends',
    mayPause: true,
    durationSec: WEEK,
    at: (t) => (t >= 3 * H && t < 9 * H ? busyPoint(85 + noise(seed, t) * 15, 40_000) : idlePoint(seed, t)),
    resumeAfterPause: (p) => (p < 3 * H ? 3 * H : null),
  };
}

// ---- Work on the other GPU engines (issue 11): SM nearly idle while NVENC / NVDEC carry the work.

export function videoTranscoding(seed = 10): Trace {
  return {
    name: 'video-transcoding',
    description: 'a transcoding server: ffmpeg NVENC encodes, SM 5-9 %, encoder 40-90 %, 1-3 encoder sessions open',
    expected: 'never paused (the encoder is busy)',
    mayPause: false,
    durationSec: WEEK,
    at: (t) => ({
      // The real 2080 SUPER capture reads SM 8 % under two NVENC encodes.
      util: 5 + Math.floor(noise(seed, t) * 5),
      memUsedMiB: 820,
      powerW: 95 + noise(seed + 1, t) * 20,
      busy: true,
      agentUp: true,
      engines: { enc: 40 + Math.floor(noise(seed + 2, t) * 51), dec: Math.floor(noise(seed + 3, t) * 20), jpeg: 0, ofa: 0, encSessions: 1 + Math.floor(noise(seed + 4, Math.floor(t / 600)) * 3) },
    }),
    resumeAfterPause: (p) => p + 60,
  };
}

export function videoAnalytics(seed = 11): Trace {
  return {
    name: 'video-analytics',
    description: 'a video-analytics box decoding camera streams: NVDEC 30-70 %, SM 2-6 % (light inference between frames), no encoder',
    expected: 'never paused (the decoder is busy)',
    mayPause: false,
    durationSec: WEEK,
    at: (t) => ({
      util: 2 + Math.floor(noise(seed, t) * 5),
      memUsedMiB: 2_400,
      powerW: 70 + noise(seed + 1, t) * 15,
      busy: true,
      agentUp: true,
      engines: { enc: 0, dec: 30 + Math.floor(noise(seed + 2, t) * 41), jpeg: 0, ofa: 0, encSessions: 0 },
    }),
    resumeAfterPause: (p) => p + 60,
  };
}

export const ENGINE_TRACES = [videoTranscoding, videoAnalytics];

export const ALL_TRACES = [longTraining, dataLoaderBound, burstyInference, notebookDaytime, forgotten, jobFinishesAtHour5, migUnderLoad, agentDies, userRestartsAfterPause, ...ENGINE_TRACES];
