// Turns runs into the published numbers: per-side medians over successful repetitions, the
// ours/upstream ratios, and the targets checked against them.
import type { RunMeasurement, SideSummary, SummaryField, TargetCheck, WorkloadName, WorkloadResult, WorkloadSpec } from './results-schema.js';
import { SUMMARY_FIELDS } from './results-schema.js';
import { median, ratio, round, spread } from './stats.js';

export function summarizeSide(runs: readonly RunMeasurement[]): SideSummary {
  const ok = runs.filter((r) => r.error === undefined);
  const out: Partial<Record<SummaryField, number>> = {};
  for (const field of SUMMARY_FIELDS) {
    const values = ok.map((r) => r[field]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (values.length > 0) out[field] = round(median(values));
  }
  const sp = spread(ok.map((r) => r.seconds));
  return { ...out, seconds_spread: sp === null ? null : round(sp), failed_runs: runs.length - ok.length, runs };
}

export function summarizeWorkload(spec: WorkloadSpec, runs: readonly RunMeasurement[]): WorkloadResult {
  const ours = summarizeSide(runs.filter((r) => r.side === 'ours'));
  const upstream = summarizeSide(runs.filter((r) => r.side === 'upstream'));
  const r: Partial<Record<SummaryField, number | null>> = {};
  for (const field of SUMMARY_FIELDS) {
    if (ours[field] === undefined && upstream[field] === undefined) continue;
    const v = ratio(ours[field], upstream[field]);
    r[field] = v === null ? null : round(v);
  }
  return { name: spec.name, n: spec.n, flags: spec.flags, description: spec.description, ours, upstream, ratio: r };
}

interface TargetDef {
  readonly id: string;
  readonly description: string;
  readonly workload: WorkloadName;
  /** ratio: ours/upstream of `field`; absolute: ours' own value. */
  readonly kind: 'ratio' | 'absolute';
  readonly field: SummaryField;
  readonly limit: number;
}

/** Issue 15: peak RSS ≤ 1.3× upstream on every workload. */
const PEAK_RSS_LIMIT = 1.3;
const peakRss = (workload: WorkloadName): TargetDef => ({
  id: `${workload}-peak-rss`,
  description: `${workload} peak RSS ≤ ${PEAK_RSS_LIMIT}× upstream`,
  workload,
  kind: 'ratio',
  field: 'peak_rss_mb',
  limit: PEAK_RSS_LIMIT,
});

const TARGETS: readonly TargetDef[] = [
  { id: 'W0-first-create', description: 'W0 process start → first CreateSnapshot ≤ 1.0× upstream', workload: 'W0', kind: 'ratio', field: 'first_create_seconds', limit: 1.0 },
  peakRss('W0'),
  { id: 'W1-time', description: 'W1 time to all ready ≤ 0.77× upstream', workload: 'W1', kind: 'ratio', field: 'seconds', limit: 0.77 },
  { id: 'W1-cpu', description: 'W1 CPU seconds ≤ 1.1× upstream', workload: 'W1', kind: 'ratio', field: 'cpu_seconds', limit: 1.1 },
  { id: 'W1-api', description: 'W1 ≤ 3 API requests per created snapshot', workload: 'W1', kind: 'absolute', field: 'api_requests_per_snapshot', limit: 3 },
  peakRss('W1'),
  { id: 'W2-time', description: 'W2 time to all ready ≤ 1.0× upstream', workload: 'W2', kind: 'ratio', field: 'seconds', limit: 1.0 },
  { id: 'W2-cpu', description: 'W2 CPU seconds ≤ 1.1× upstream', workload: 'W2', kind: 'ratio', field: 'cpu_seconds', limit: 1.1 },
  { id: 'W2-api', description: 'W2 ≤ 3 API requests per created snapshot', workload: 'W2', kind: 'absolute', field: 'api_requests_per_snapshot', limit: 3 },
  peakRss('W2'),
  { id: 'W3-rss', description: 'W3 RSS at rest ≤ 1.5× upstream', workload: 'W3', kind: 'ratio', field: 'rest_rss_mb', limit: 1.5 },
  { id: 'W3-sync', description: 'W3 start → caches synced ≤ 1.0× upstream', workload: 'W3', kind: 'ratio', field: 'sync_seconds', limit: 1.0 },
  { id: 'W3-new', description: 'W3 new content create → ready ≤ 1.0× upstream', workload: 'W3', kind: 'ratio', field: 'new_content_seconds', limit: 1.0 },
  { id: 'W3-cpu', description: 'W3 CPU seconds (start → new content ready) ≤ 1.5× upstream', workload: 'W3', kind: 'ratio', field: 'cpu_seconds', limit: 1.5 },
  peakRss('W3'),
  { id: 'W4-time', description: 'W4 time to all deleted ≤ 0.8× upstream', workload: 'W4', kind: 'ratio', field: 'seconds', limit: 0.8 },
  { id: 'W4-cpu', description: 'W4 CPU seconds ≤ 1.1× upstream', workload: 'W4', kind: 'ratio', field: 'cpu_seconds', limit: 1.1 },
  { id: 'W4-api', description: 'W4 ≤ 2 API requests per deleted snapshot', workload: 'W4', kind: 'absolute', field: 'api_requests_per_snapshot', limit: 2 },
  peakRss('W4'),
  { id: 'W5-first-create', description: "W5 leader SIGKILL → the standby's first CreateSnapshot ≤ 1.0× upstream", workload: 'W5', kind: 'ratio', field: 'first_create_seconds', limit: 1.0 },
  { id: 'W5-all-ready', description: 'W5 leader SIGKILL → all pending contents ready ≤ 1.0× upstream', workload: 'W5', kind: 'ratio', field: 'seconds', limit: 1.0 },
  peakRss('W5'),
];

/** Each target against the largest N run of its workload. */
export function checkTargets(workloads: readonly WorkloadResult[]): readonly TargetCheck[] {
  return TARGETS.map((t) => {
    const candidates = workloads.filter((w) => w.name === t.workload);
    const w = candidates.reduce<WorkloadResult | undefined>((best, x) => (best === undefined || x.n > best.n ? x : best), undefined);
    if (w === undefined) return { id: t.id, description: t.description, workload: t.workload, n: 0, actual: null, limit: t.limit, status: 'not-run' as const };
    const actual = t.kind === 'ratio' ? (w.ratio[t.field] ?? null) : (w.ours[t.field] ?? null);
    const status = actual === null ? ('not-run' as const) : actual <= t.limit ? ('met' as const) : ('missed' as const);
    return { id: t.id, description: t.description, workload: t.workload, n: w.n, actual, limit: t.limit, status };
  });
}
