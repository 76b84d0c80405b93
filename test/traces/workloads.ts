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
  return notebookUsedBetween(9, 18, seed);
}

/**
 * The seed's scenario A, "one GPU idle 12 h a day": the same notebook used 08:00-20:00, idle the other 12 hours. With a
 * 30 min pause window the most a pause can save is 11.5 of every 24 hours' running price, less storage while paused.
 */
export function notebookTwelveHours(seed = 4): Trace {
  return { ...notebookUsedBetween(8, 20, seed), name: 'notebook-12h' };
}

/** A notebook used from `fromHour` to `toHour` every day in bursts, left running overnight; its user resumes it at `fromHour`. */
function notebookUsedBetween(fromHour: number, toHour: number, seed: number): Trace {
  const working = (t: number) => {
    const hour = (t % DAY) / H;
    return hour >= fromHour && hour < toHour;
  };
  const pad = (h: number) => String(h).padStart(2, '0');
  return {
    name: 'notebook-daytime',
    description: `a notebook used ${pad(fromHour)}:00-${pad(toHour)}:00 every day in bursts (gaps up to 20 min), left running overnight`,
    expected: 'paused each evening, resumed by the user in the morning, never deleted',
    mayPause: true,
    durationSec: WEEK,
    at: (t) => {
      if (!working(t)) return idlePoint(seed, t);
      const block = Math.floor(t / 1200);
      const active = t % 1200 < 600 + noise(seed, block) * 600;
      return active ? busyPoint(30 + noise(seed + 1, t) * 50, 12_000) : { ...idlePoint(seed, t), memUsedMiB: 12_000, busy: true };
    },
    resumeAfterPause: (p) => {
      // The user is back at the next fromHour.
      const d = Math.floor(p / DAY);
      return (p % DAY) / H < fromHour ? d * DAY + fromHour * H : (d + 1) * DAY + fromHour * H;
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

// --- People at the keyboard and instances a provider cannot date (docs/what-counts-as-work.md) ---------------------

/** The next `hour`:00 after a pause at `p` (the user comes back then). */
const nextDayAt = (p: number, hour: number) => {
  const d = Math.floor(p / DAY);
  return (p % DAY) / H < hour ? d * DAY + hour * H : (d + 1) * DAY + hour * H;
};

/**
 * Someone debugging over SSH 10:00-12:00 every day: the GPU idle (a model loaded, stepping through code), a keystroke
 * every 3 minutes or so; gone overnight. Must not be paused during the session; should be paused after it.
 */
export function interactiveDebugging(seed = 10): Trace {
  const SLOT = 180;
  const start = 10 * H;
  const end = 12 * H;
  /** The keystroke of slot i (a time inside it); slots cover the session only. */
  const key = (i: number) => i * SLOT + Math.floor(noise(seed, i) * 120);
  const inSession = (t: number) => t % DAY >= start && t % DAY < end;
  const lastKey = (t: number): number | null => {
    const day = Math.floor(t / DAY);
    const tod = t % DAY;
    // Before today's session: the last keystroke of yesterday's; after it: today's last one.
    if (tod < start) return day === 0 ? null : key(((day - 1) * DAY + end) / SLOT - 1);
    if (tod >= end) return key((day * DAY + end) / SLOT - 1);
    const i = Math.floor(t / SLOT);
    if (key(i) <= t) return key(i);
    return i * SLOT > day * DAY + start ? key(i - 1) : day === 0 ? null : key(((day - 1) * DAY + end) / SLOT - 1);
  };
  return {
    name: 'interactive-debugging',
    description: 'an SSH debugging session 10:00-12:00 daily: GPU idle, a keystroke every ~3 min; gone overnight',
    expected: 'never paused during the session (terminal input), paused after it, resumed the next morning',
    mayPause: true,
    durationSec: WEEK,
    at: (t) => (inSession(t) ? { ...idlePoint(seed, t), memUsedMiB: 14_000, busy: true } : { ...idlePoint(seed, t), memUsedMiB: 14_000 }),
    resumeAfterPause: (p) => nextDayAt(p, 10),
    interactive: (t) => ({ lastInputSec: lastKey(t), kernelBusy: false, kind: 'terminal' }),
  };
}

/**
 * A Jupyter notebook used 13:00-17:00 daily: the user runs a cell every 10-20 minutes and it executes for 1-4
 * minutes of CPU-side work (GPU near 0 %); the kernel sits idle overnight with the server left running.
 */
export function jupyterSession(seed = 11): Trace {
  const BLOCK = 1200;
  const start = 13 * H;
  const end = 17 * H;
  const inSession = (t: number) => t % DAY >= start && t % DAY < end;
  /** Block i's cell: starts inside the first half of the block, runs 60-240 s. */
  const cell = (i: number) => {
    const s = i * BLOCK + Math.floor(noise(seed, i) * 600);
    return { s, e: s + 60 + Math.floor(noise(seed + 1, i) * 180) };
  };
  const none = { lastInputSec: null, kernelBusy: false };
  /** The session's last cell, ended by the time the next session starts. */
  const lastOfDay = (day: number) => (day < 0 ? none : { lastInputSec: cell((day * DAY + end) / BLOCK - 1).e, kernelBusy: false });
  const last = (t: number): { lastInputSec: number | null; kernelBusy: boolean } => {
    const day = Math.floor(t / DAY);
    const tod = t % DAY;
    if (tod < start) return lastOfDay(day - 1);
    const i = Math.floor(Math.min(t, day * DAY + end - 1) / BLOCK);
    for (const j of [i, i - 1]) {
      if (j * BLOCK < day * DAY + start) break;
      const c = cell(j);
      if (c.s <= t) return { lastInputSec: Math.min(t, c.e), kernelBusy: t < c.e };
    }
    return lastOfDay(day - 1);
  };
  return {
    name: 'jupyter-session',
    description: 'a Jupyter notebook 13:00-17:00 daily: cells run 1-4 min every 10-20 min at ~0 % GPU; kernel idle overnight',
    expected: 'never paused while cells run (notebook kernel activity), paused overnight, resumed the next afternoon',
    mayPause: true,
    durationSec: WEEK,
    at: (t) => (inSession(t) ? { ...idlePoint(seed, t), memUsedMiB: 9_000, busy: true } : { ...idlePoint(seed, t), memUsedMiB: 9_000 }),
    resumeAfterPause: (p) => nextDayAt(p, 13),
    interactive: (t) => ({ ...last(t), kind: 'notebook' }),
  };
}

/** Rented on TensorDock (whose v2 API gives no creation time) and forgotten: aged from the controller's first sighting. */
export function forgottenTensorDock(seed = 12): Trace {
  return {
    name: 'forgotten-tensordock-v2',
    description: 'rented on TensorDock v2 (no creation time in its API) and forgotten: idle from the first second',
    expected: 'paused after the window, deleted after DELETE_THRESHOLD_HOURS (age from the first sighting)',
    mayPause: true,
    durationSec: WEEK,
    at: (t) => idlePoint(seed, t),
    resumeAfterPause: () => null,
    provider: 'tensordock',
  };
}

/** The workloads above, kept apart from ALL_TRACES' first nine so that other additions merge cleanly. */
export const INTERACTIVE_TRACES = [interactiveDebugging, jupyterSession, forgottenTensorDock];

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
      engines: {
        enc: 40 + Math.floor(noise(seed + 2, t) * 51),
        dec: Math.floor(noise(seed + 3, t) * 20),
        jpeg: 0,
        ofa: 0,
        encSessions: 1 + Math.floor(noise(seed + 4, Math.floor(t / 600)) * 3),
      },
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

// ---- Work the GPU cannot see (issue 20): network, disk and CPU on the host while the GPU idles.

/** A 16-core host's background: a few KB/s of network, a trickle of disk, 1-3 % CPU. */
const chatter = (seed: number, t: number) => ({
  netMBs: 0.002 + noise(seed + 20, t) * 0.05,
  diskMBs: noise(seed + 21, t) < 0.02 ? 2 : 0.01,
  cpuPct: 1 + noise(seed + 22, t) * 2,
});

/**
 * Every morning at 08:00: a dataset download (GPU idle, 20-100 MB/s on the network and written to disk) for 40 min,
 * then 5 h of training, then idle until the next morning.
 */
export function datasetDownloadThenTraining(seed = 13): Trace {
  const start = 8 * H;
  const phase = (t: number) => {
    const tod = t % DAY;
    if (tod >= start && tod < start + 40 * 60) return 'download';
    if (tod >= start + 40 * 60 && tod < start + 40 * 60 + 5 * H) return 'training';
    return 'idle';
  };
  return {
    name: 'dataset-download-then-training',
    description: 'daily at 08:00: 40 min downloading a dataset (GPU idle, network 20-100 MB/s), then 5 h of training',
    expected: 'never paused during the download or the training; paused in the evening, resumed the next morning',
    mayPause: true,
    durationSec: WEEK,
    at: (t) => {
      const ph = phase(t);
      if (ph === 'download') return { ...idlePoint(seed, t), busy: true };
      if (ph === 'training') return busyPoint(90 + noise(seed, t) * 10, 60_000);
      return idlePoint(seed, t);
    },
    host: (t) => {
      if (phase(t) !== 'download') return chatter(seed, t);
      const rate = 20 + noise(seed + 5, Math.floor(t / 30)) * 80;
      return { netMBs: rate, diskMBs: rate, cpuPct: 8 + noise(seed + 6, t) * 6 };
    },
    resumeAfterPause: (p) => nextDayAt(p, 8),
  };
}

/**
 * CPU preprocessing before training, every day from 09:00: 3 h of tokenizing / augmenting on 8-14 of 16 cores (GPU
 * idle, data read from a local disk at 2-8 MB/s), then 4 h of training; idle otherwise.
 */
export function cpuPreprocessing(seed = 14): Trace {
  const start = 9 * H;
  const phase = (t: number) => {
    const tod = t % DAY;
    if (tod >= start && tod < start + 3 * H) return 'cpu';
    if (tod >= start + 3 * H && tod < start + 7 * H) return 'training';
    return 'idle';
  };
  return {
    name: 'cpu-preprocessing',
    description: 'daily from 09:00: 3 h of CPU preprocessing on 8-14 of 16 cores (GPU idle), then 4 h of training',
    expected: 'never paused during the preprocessing or the training; paused in the evening, resumed the next morning',
    mayPause: true,
    durationSec: WEEK,
    at: (t) => {
      const ph = phase(t);
      if (ph === 'cpu') return { ...idlePoint(seed, t), memUsedMiB: 2_000, busy: true };
      if (ph === 'training') return busyPoint(85 + noise(seed, t) * 15, 50_000);
      return idlePoint(seed, t);
    },
    host: (t) =>
      phase(t) === 'cpu' ? { netMBs: 0.01, diskMBs: 2 + noise(seed + 7, t) * 6, cpuPct: 50 + noise(seed + 8, Math.floor(t / 20)) * 38 } : chatter(seed, t),
    resumeAfterPause: (p) => nextDayAt(p, 9),
  };
}

/**
 * Forgotten, with the background chatter of a real host: KB/s of network (monitoring, NTP, apt), cron writing a few
 * MB every 15 min, and a stray process spinning at 100 % of one core of 16 (6.25 % of all cores).
 */
export function forgottenWithChatter(seed = 15): Trace {
  return {
    name: 'forgotten-with-chatter',
    description: 'forgotten, idle GPU; KB/s network, cron disk writes every 15 min, one stray process at 100 % of 1 of 16 cores',
    expected: 'paused after the window, deleted after DELETE_THRESHOLD_HOURS',
    mayPause: true,
    durationSec: WEEK,
    at: (t) => idlePoint(seed, t),
    host: (t) => {
      const c = chatter(seed, t);
      // cron: 5 MB written within 2 s every 15 min; the stray process: one core of 16.
      const cron = t % 900 < 2 ? 2.5 : 0;
      return { netMBs: c.netMBs, diskMBs: c.diskMBs + cron, cpuPct: 6.25 + c.cpuPct };
    },
    resumeAfterPause: () => null,
  };
}

export const HOST_TRACES = [datasetDownloadThenTraining, cpuPreprocessing, forgottenWithChatter];

export const ALL_TRACES = [
  longTraining,
  dataLoaderBound,
  burstyInference,
  notebookDaytime,
  forgotten,
  jobFinishesAtHour5,
  migUnderLoad,
  agentDies,
  userRestartsAfterPause,
  ...INTERACTIVE_TRACES,
  ...ENGINE_TRACES,
  ...HOST_TRACES,
];

/**
 * An inference server that gets a request about every half hour (gaps of 24-29.5 min, 20-60 s of work each): every
 * idle spell comes near the 30 min window and many pass the pause warning's 25 min, then a request arrives. Never
 * paused (it is serving); the pause warnings it gets are false alarms, which the controller must keep to a few a day
 * (engine/false-alarms.ts). Not in ALL_TRACES (the fleet's figures stay comparable); test/sim/bursty-warnings.test.ts.
 */
export function burstyHalfHourly(seed = 31): Trace {
  const starts: number[] = [];
  for (let t = Math.floor(noise(seed, 0) * 600), k = 1; t < WEEK; k++) {
    starts.push(t);
    t += 24 * 60 + Math.floor(noise(seed, k) * 330);
  }
  const lengths = starts.map((_, k) => 20 + Math.floor(noise(seed + 1, k) * 40));
  return {
    name: 'bursty-half-hourly',
    description: 'an inference server with a request every 24-29.5 min (20-60 s of work each)',
    expected: 'never paused (it is serving); a few pause warnings a day at most',
    mayPause: false,
    durationSec: WEEK,
    at: (t) => {
      // The latest request started at or before t (binary search: the trace is read minute by minute, in any order).
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= t) lo = mid;
        else hi = mid - 1;
      }
      const inRequest = starts[lo]! <= t && t < starts[lo]! + lengths[lo]!;
      const p = inRequest ? busyPoint(60 + noise(seed + 2, t) * 30, 20_000) : { ...idlePoint(seed, t), memUsedMiB: 20_000 };
      return { ...p, busy: true }; // a server waiting for requests is in use
    },
    resumeAfterPause: (p) => p + 120,
  };
}
