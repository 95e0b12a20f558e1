// The scale curve of issue 15: W3 (N ready contents already in the cluster) at several N, for both
// sidecars, as one SVG of three panels (start → caches synced, RSS at rest, the first new content
// create → ready), so a reader sees how each grows with N. Pure: results in, markup out.
import type { ChartSeries } from './chart-svg.js';
import { renderChart, stackCharts } from './chart-svg.js';
import type { SummaryField, WorkloadResult } from './results-schema.js';
import type { Side } from './sidecar-under-test.js';

export const SCALE_WORKLOAD = 'W3';

const SIDES: readonly { readonly side: Side; readonly label: string; readonly color: string }[] = [
  { side: 'ours', label: 'ours (TypeScript)', color: '#1f77b4' },
  { side: 'upstream', label: 'upstream v8.6.0 (Go)', color: '#d62728' },
];

export const SCALE_PANELS: readonly { readonly field: SummaryField; readonly title: string; readonly yLabel: string; readonly unit: string }[] = [
  { field: 'sync_seconds', title: 'W3: process start → caches synced', yLabel: 'seconds (median)', unit: 's' },
  { field: 'rest_rss_mb', title: 'W3: RSS at rest after the sync', yLabel: 'MiB (median)', unit: 'MiB' },
  { field: 'new_content_seconds', title: 'W3: first new content create → ready', yLabel: 'seconds (median)', unit: 's' },
];

/** The W3 results with distinct N, smallest first (a later result of the same N wins). */
export function scaleRuns(workloads: readonly WorkloadResult[]): readonly WorkloadResult[] {
  const byN = new Map<number, WorkloadResult>();
  for (const w of workloads) if (w.name === SCALE_WORKLOAD) byN.set(w.n, w);
  return [...byN.values()].sort((a, b) => a.n - b.n);
}

/** One series per side: (N, the side's median of `field`); a missing median is NaN (drawn as a gap). */
export function scaleSeries(workloads: readonly WorkloadResult[], field: SummaryField): readonly ChartSeries[] {
  const runs = scaleRuns(workloads);
  return SIDES.map(({ side, label, color }) => ({ label, color, points: runs.map((w) => ({ n: w.n, seconds: w[side][field] ?? Number.NaN })) }));
}

/** The three-panel chart, or undefined when W3 ran at fewer than two N (no curve to draw). */
export function renderScaleChart(workloads: readonly WorkloadResult[]): string | undefined {
  if (scaleRuns(workloads).length < 2) return undefined;
  return stackCharts(
    SCALE_PANELS.map((p) =>
      renderChart({ title: p.title, xLabel: 'N (ready contents in the cluster, log scale)', yLabel: p.yLabel, unit: p.unit, xLog: true, series: scaleSeries(workloads, p.field) }),
    ),
  );
}
