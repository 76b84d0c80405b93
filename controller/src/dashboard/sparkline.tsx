// An inline SVG sparkline of GPU utilization; unknown points break the line instead of drawing 0.

export interface SparklineProps {
  /** Utilization percent per point, oldest first; null = unknown. */
  points: readonly (number | null)[];
  width?: number;
  height?: number;
  threshold?: number;
}

export function sparklinePaths(points: readonly (number | null)[], width: number, height: number): string[] {
  const n = points.length;
  if (n === 0) return [];
  const step = n > 1 ? width / (n - 1) : 0;
  const y = (v: number) => (height - 1 - (Math.max(0, Math.min(100, v)) / 100) * (height - 2)).toFixed(1);
  const paths: string[] = [];
  let cur: string[] = [];
  points.forEach((v, i) => {
    if (v === null) {
      if (cur.length) paths.push(cur.join(' '));
      cur = [];
      return;
    }
    cur.push(`${cur.length ? 'L' : 'M'}${(i * step).toFixed(1)},${y(v)}`);
  });
  if (cur.length) paths.push(cur.join(' '));
  return paths;
}

export function Sparkline({ points, width = 120, height = 24, threshold }: SparklineProps) {
  const paths = sparklinePaths(points, width, height);
  const ty = threshold === undefined ? null : height - 1 - (threshold / 100) * (height - 2);
  return (
    <svg class="spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label="GPU utilization">
      {ty !== null && <line x1="0" x2={width} y1={ty} y2={ty} class="spark-threshold" />}
      {paths.map((d) => (
        <path d={d} class="spark-line" />
      ))}
      {paths.length === 0 && (
        <text x="2" y={height - 7} class="spark-empty">
          no data
        </text>
      )}
    </svg>
  );
}
