// Fixed-width time buckets of sample counts: MIN_SAMPLES and the window's max/mean in O(1) memory per source.
//
// Why the count never overstates the real number of samples in the window [ws, now]:
// 1. Only samples accepted IN ORDER are added (observeSample adds a sample only when its end t1 is later than every
//    end accepted before from that source), so no sample, duplicate or replay is added twice.
// 2. A sample is filed under the bucket holding its start t0, and idx*bucketMs <= t0 is enforced (see bucketIndex).
// 3. windowCount() sums only buckets that start at or after ws, so every sample it counts has t0 >= ws; and it counts
//    a bucket reaching past `now` only when no accepted sample ends after `now`, so every counted sample has t0 <= now.
// 4. Buckets are only ever dropped (pruning, restart, config change), never merged or shifted, so a count can only
//    shrink. Samples before a restart are never added (observeSample checks t0 >= runningSince).
// Hence every counted sample is a distinct sample that lies in the window: the count is a lower bound. It misses the
// samples of the partial buckets at both ends (at most ~2/BUCKETS_PER_WINDOW of the window), which only delays a pause.
import { type Bucket, MAX_BUCKETS } from './idle-state';

/** Index of the bucket holding time t; guarantees index*bucketMs <= t despite floating-point rounding of t/bucketMs. */
export function bucketIndex(t: number, bucketMs: number): number {
  let i = Math.floor(t / bucketMs);
  if (i * bucketMs > t) i -= 1;
  return i;
}

/**
 * A new bucket list with one sample added (never mutates `buckets`). Buckets older than the window before `latestEnd`
 * are pruned, and at most MAX_BUCKETS are kept (the oldest go first): dropping only lowers counts.
 */
export function addToBuckets(
  buckets: readonly Bucket[],
  bucketMs: number,
  windowMs: number,
  t0: number,
  latestEnd: number,
  utilMax: number | null,
  utilMean: number | null,
): Bucket[] {
  const idx = bucketIndex(t0, bucketMs);
  const last = buckets.length - 1;
  if (last >= 0 && buckets[last]![0] === idx) {
    // Fast path (nearly every sample): same bucket as the previous one, nothing to prune.
    const out = buckets.slice();
    out[last] = addTo(buckets[last]!, utilMax, utilMean);
    return out;
  }
  const oldest = bucketIndex(latestEnd - windowMs, bucketMs) - 1;
  const out: Bucket[] = [];
  let placed = idx < oldest; // a sample too old to matter is not filed at all
  for (const b of buckets) {
    if (b[0] < oldest) continue;
    if (!placed && b[0] >= idx) {
      if (b[0] === idx) {
        out.push(addTo(b, utilMax, utilMean));
        placed = true;
        continue;
      }
      out.push(addTo([idx, 0, 0, 0, -1], utilMax, utilMean));
      placed = true;
    }
    out.push(b);
  }
  if (!placed) out.push(addTo([idx, 0, 0, 0, -1], utilMax, utilMean));
  return out.length > MAX_BUCKETS ? out.slice(out.length - MAX_BUCKETS) : out;
}

// Figures are kept to 0.01 % so the stored JSON stays short (they are for display; decisions never read them).
// The max is rounded UP, so it is never understated.
function addTo(b: Bucket, utilMax: number | null, utilMean: number | null): Bucket {
  const hasMean = utilMean !== null && Number.isFinite(utilMean);
  return [
    b[0],
    b[1] + 1,
    b[2] + (hasMean ? 1 : 0),
    hasMean ? Math.round((b[3] + (utilMean as number)) * 100) / 100 : b[3],
    utilMax !== null && Number.isFinite(utilMax) ? Math.max(b[4], Math.ceil(utilMax * 100) / 100) : b[4],
  ];
}

export interface WindowStats {
  /** Samples counted in the window: a lower bound of the real number (see the comment at the top). */
  samples: number;
  /** Highest utilization among the counted samples; null when none was known. */
  utilMax: number | null;
  /** Mean of the counted samples' mean utilization; null when none was known. */
  utilMean: number | null;
}

/** Count, max and mean over the whole buckets inside [ws, now]; `latestEnd` is the track's last accepted sample end. */
export function windowStats(buckets: readonly Bucket[], bucketMs: number, ws: number, now: number, latestEnd: number | null): WindowStats {
  let samples = 0;
  let withMean = 0;
  let sumMean = 0;
  let max = -1;
  const allEndedByNow = latestEnd !== null && latestEnd <= now;
  for (const b of buckets) {
    const start = b[0] * bucketMs;
    if (start < ws || start > now) continue;
    if (start + bucketMs > now && !allEndedByNow) continue;
    samples += b[1];
    withMean += b[2];
    sumMean += b[3];
    if (b[4] > max) max = b[4];
  }
  return { samples, utilMax: max < 0 ? null : max, utilMean: withMean === 0 ? null : sumMean / withMean };
}
