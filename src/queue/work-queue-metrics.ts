// The work queue's metric hooks, shaped after client-go's workqueue MetricsProvider so the
// observability module can bind prom-client with upstream's names and the `name` label
// (csi-snapshotter-content, csi-snapshotter-groupsnapshotcontent). The queue depends only on this
// interface, never on prom-client; observability/metrics.ts implements it structurally without
// importing queue/, and app/ hands it to each WorkQueue (where the compiler checks the match).

export interface InFlightStats {
  /** Sum of the running time of every key being processed (workqueue_unfinished_work_seconds). */
  readonly unfinishedWorkSeconds: number;
  /** Running time of the longest-running key (workqueue_longest_running_processor_seconds). */
  readonly longestRunningProcessorSeconds: number;
}

export interface WorkQueueMetrics {
  /** workqueue_depth: keys waiting to be handed out. */
  depth(n: number): void;
  /** workqueue_adds_total: a key became queued (collapsed re-adds are not counted). */
  add(): void;
  /** workqueue_queue_duration_seconds: time from queued to handed out. */
  queueDuration(seconds: number): void;
  /** workqueue_work_duration_seconds: time from handed out to done. */
  workDuration(seconds: number): void;
  /** workqueue_retries_total: an addRateLimited call. */
  retry(): void;
  /**
   * The two in-flight gauges are computed at scrape time (a prom-client `collect`), so the queue
   * needs no periodic timer; it hands over its probe once, at construction.
   */
  bindInFlight(probe: () => InFlightStats): void;
}

/** Builds the hooks of one queue; `name` is upstream's `name` label. */
export type WorkQueueMetricsProvider = (name: string) => WorkQueueMetrics;

export const noopWorkQueueMetrics: WorkQueueMetrics = {
  depth: () => undefined,
  add: () => undefined,
  queueDuration: () => undefined,
  workDuration: () => undefined,
  retry: () => undefined,
  bindInFlight: () => undefined,
};

export const noopWorkQueueMetricsProvider: WorkQueueMetricsProvider = () => noopWorkQueueMetrics;
