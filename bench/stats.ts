// Small order statistics for the bench: medians across repetitions, nearest-rank percentiles of
// per-content latencies, and ratios that stay null when either side has no value.

/** The median (mean of the two middle values for an even count); NaN for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] ?? Number.NaN;
  if (sorted.length % 2 === 1) return hi;
  const lo = sorted[mid - 1] ?? Number.NaN;
  return (lo + hi) / 2;
}

/** Nearest-rank percentile, q in [0, 1]; NaN for an empty list. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/** ours / upstream, or null when either is missing, not finite, or upstream is 0. */
export function ratio(ours: number | null | undefined, upstream: number | null | undefined): number | null {
  if (ours === null || ours === undefined || upstream === null || upstream === undefined) return null;
  if (!Number.isFinite(ours) || !Number.isFinite(upstream) || upstream === 0) return null;
  return ours / upstream;
}

/** Relative spread (max − min) / median, the noise figure the report prints; null below 2 values. */
export function spread(values: readonly number[]): number | null {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length < 2) return null;
  const m = median(finite);
  if (m === 0) return null;
  return (Math.max(...finite) - Math.min(...finite)) / m;
}

/** Rounds for JSON output so results files stay readable. */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
