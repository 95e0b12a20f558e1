// The operators' dashboard, defined once: each panel's title, unit and PromQL (what
// manifests/grafana-dashboard.json carries, generated from here by grafana-dashboard.ts) and the
// same panel computed from a run's own scrapes (what dashboard-picture.ts draws). Pure.
import { histogramQuantile, sumBy, type Sample } from './prom-text.js';

/** One scrape of /metrics at `t` seconds into the run. */
export interface Scrape {
  readonly t: number;
  readonly samples: readonly Sample[];
}

export interface Panel {
  readonly title: string;
  readonly description: string;
  readonly unit: 'short' | 's' | 'ops';
  /** Grafana legend format, e.g. "{{state}}". */
  readonly legend: string;
  readonly expr: string;
  /** legend → value at scrape i (the picture); NaN leaves a gap. */
  readonly local: (history: readonly Scrape[], i: number) => ReadonlyMap<string, number>;
}

const D = 'driver_name=~"$driver"';
/** The picture's stand-in for $__rate_interval: a rate over the last 5 scrapes (5 s). */
const RATE_WINDOW = 5;
/** The picture's stand-in for the histogram panel's [5m] window, at the scale of a short run. */
const QUANTILE_WINDOW = 30;

function at(history: readonly Scrape[], i: number): Scrape | undefined {
  return history[Math.max(0, Math.min(i, history.length - 1))];
}

function perSecond(history: readonly Scrape[], i: number, name: string, by: readonly string[]): Map<string, number> {
  const now = at(history, i);
  const then = at(history, i - RATE_WINDOW);
  const out = new Map<string, number>();
  if (!now || !then || now.t === then.t) return out;
  const a = sumBy(now.samples, name, by);
  const b = sumBy(then.samples, name, by);
  for (const [k, v] of a) out.set(k, Math.max(0, v - (b.get(k) ?? 0)) / (now.t - then.t));
  return out;
}

function quantiles(history: readonly Scrape[], i: number): Map<string, number> {
  const now = at(history, i);
  const then = at(history, i - QUANTILE_WINDOW);
  const out = new Map<string, number>();
  if (!now || !then) return out;
  const bucket = 'csi_snapshotter_content_ready_seconds_bucket';
  const a = sumBy(now.samples, bucket, ['le']);
  const b = i - QUANTILE_WINDOW < 0 ? new Map<string, number>() : sumBy(then.samples, bucket, ['le']);
  const delta = new Map([...a].map(([le, v]) => [Number(le === '+Inf' ? Infinity : le), v - (b.get(le) ?? 0)] as const));
  for (const q of [0.5, 0.9]) out.set(`p${q * 100}`, histogramQuantile(q, delta) ?? Number.NaN);
  return out;
}

export const PANELS: readonly Panel[] = [
  {
    title: 'Contents by state',
    description: 'VolumeSnapshotContents and VolumeGroupSnapshotContents of this driver in the sidecar\'s cache: pending, creating, ready, error, deleting.',
    unit: 'short',
    legend: '{{state}}',
    expr: `sum by (state) (csi_snapshotter_contents{${D}})`,
    local: (h, i) => sumBy(at(h, i)?.samples ?? [], 'csi_snapshotter_contents', ['state']),
  },
  {
    title: 'Oldest unready content',
    description: 'Age of the oldest content that is neither ready nor being deleted (0: none). A line that keeps rising is a stuck create.',
    unit: 's',
    legend: '{{kind}}',
    expr: `max by (kind) (csi_snapshotter_oldest_unready_content_age_seconds{${D}})`,
    local: (h, i) => sumBy(at(h, i)?.samples ?? [], 'csi_snapshotter_oldest_unready_content_age_seconds', ['kind']),
  },
  {
    title: 'Creation → ready (p50, p90)',
    description: 'From metadata.creationTimestamp to the status write that made the content ready.',
    unit: 's',
    legend: 'p{{q}}',
    expr: `label_replace(histogram_quantile(0.5, sum by (le) (rate(csi_snapshotter_content_ready_seconds_bucket{${D}}[5m]))), "q", "50", "", "") or label_replace(histogram_quantile(0.9, sum by (le) (rate(csi_snapshotter_content_ready_seconds_bucket{${D}}[5m]))), "q", "90", "", "")`,
    local: quantiles,
  },
  {
    title: 'Retries by operation and gRPC code',
    description: 'Failed steps sent to the error back-off (create, refresh, delete, update; code none = not a CSI error).',
    unit: 'ops',
    legend: '{{operation}} {{grpc_status_code}}',
    expr: `sum by (operation, grpc_status_code) (rate(csi_snapshotter_operation_retries_total{${D}}[$__rate_interval]))`,
    local: (h, i) => perSecond(h, i, 'csi_snapshotter_operation_retries_total', ['operation', 'grpc_status_code']),
  },
  {
    title: 'Deletions blocked, by reason',
    description: 'Passes over a content whose deletion was requested that ended without finishing it.',
    unit: 'ops',
    legend: '{{reason}}',
    expr: `sum by (reason) (rate(csi_snapshotter_deletion_blocked_total{${D}}[$__rate_interval]))`,
    local: (h, i) => perSecond(h, i, 'csi_snapshotter_deletion_blocked_total', ['reason']),
  },
  {
    title: 'Possible orphans',
    description: 'Creates given up on after --ambiguous-create-give-up so a deletion could finish: a snapshot may remain on the backend (see the Warning event).',
    unit: 'short',
    legend: '{{kind}}',
    expr: `sum by (kind) (csi_snapshotter_possible_orphans_total{${D}})`,
    local: (h, i) => {
      const m = sumBy(at(h, i)?.samples ?? [], 'csi_snapshotter_possible_orphans_total', ['kind']);
      return m.size > 0 ? m : new Map([['none yet', 0]]);
    },
  },
  {
    title: 'CSI calls by method (upstream metric)',
    description: 'csi_sidecar_operations_seconds_count: the driver calls per second, by method and gRPC code.',
    unit: 'ops',
    legend: '{{method_name}} {{grpc_status_code}}',
    expr: `sum by (method_name, grpc_status_code) (rate(csi_sidecar_operations_seconds_count{${D}}[$__rate_interval]))`,
    local: (h, i) => {
      const m = perSecond(h, i, 'csi_sidecar_operations_seconds_count', ['method_name', 'grpc_status_code']);
      // The handshake's one-off calls (Probe, GetPluginInfo…) would only add flat lines.
      return new Map([...m].filter(([k]) => /Snapshot/.test(k)).map(([k, v]) => [k.replace(/^\/csi\.v1\.\w+\//, '').replace('/', ' '), v]));
    },
  },
  {
    title: 'Work queue depth (upstream metric)',
    description: 'workqueue_depth per queue: contents waiting for a worker.',
    unit: 'short',
    legend: '{{name}}',
    expr: 'sum by (name) (workqueue_depth{name=~"csi-snapshotter-content|csi-snapshotter-groupsnapshotcontent"})',
    local: (h, i) => sumBy(at(h, i)?.samples ?? [], 'workqueue_depth', ['name']),
  },
];
