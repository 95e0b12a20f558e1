// The bench's JSON output (bench/results/<date>.json, latest.json), field names as the issue
// specifies them. Every number a run measures lands in `runs`; the side summaries are medians.
import type { ApiCounts } from './audit-count.js';
import type { CsiCallCounts } from './csi-call-count.js';
import type { Side } from './sidecar-under-test.js';

export type WorkloadName = 'W0' | 'W1' | 'W2' | 'W3' | 'W4' | 'W5';

export interface WorkloadSpec {
  readonly name: WorkloadName;
  /** Contents created (W1, W2), pre-existing (W3), deleted (W4), pending at start (W0) or at the leader's kill (W5). */
  readonly n: number;
  /** Flags passed to BOTH sidecars. */
  readonly flags: readonly string[];
  readonly description: string;
}

/** One sidecar, one repetition, on its own fresh world. */
export interface RunMeasurement {
  readonly side: Side;
  readonly rep: number;
  /**
   * The headline time: W1/W2 first create → all ready; W3 process start → synced; W4 first delete →
   * all gone; W0 process start → the driver's first CreateSnapshot; W5 leader SIGKILL → all ready.
   */
  readonly seconds: number;
  /** Sidecar CPU (utime+stime) during the measured phase. */
  readonly cpu_seconds: number;
  /** kube-apiserver CPU during the phase (absent in results from before it was recorded). */
  readonly apiserver_cpu_seconds?: number;
  /** Sidecar CPU spent before the phase (start-up and cache sync). */
  readonly startup_cpu_seconds: number;
  /** VmHWM at the end of the phase. */
  readonly peak_rss_mb: number;
  /** Non-list/watch API requests of the sidecar during the phase, per content. */
  readonly api_requests_per_snapshot: number;
  readonly api: ApiCounts;
  /** CSI calls the driver served during the phase, per content. */
  readonly csi_calls_per_snapshot: number;
  readonly csi: CsiCallCounts;
  /** The sidecar's own csi_sidecar_operations_seconds_count, phase delta by method. */
  readonly sidecar_metrics_csi_calls: Readonly<Record<string, number>>;
  /** Snapshots on the backend at the end that this run is about (W1/W2: created; W3: the new one; W4: left over). */
  readonly backend_snapshots: number;
  readonly backend_expected: number;
  /**
   * W4: of the deleted contents' snapshots, how many the driver still LISTS. With the mock this was
   * informational (its concurrent DeleteSnapshot could drop the wrong entry, so backend_snapshots,
   * ids never acknowledged by DeleteSnapshot, was the sidecar's figure); on hostpath both agree.
   */
  readonly backend_listed?: number;
  /** Per-content create → ready (W1, W2, W3's new content). */
  readonly p50_seconds?: number;
  readonly p99_seconds?: number;
  /** W3 only. */
  readonly sync_seconds?: number;
  readonly sync_exact?: boolean;
  readonly rest_rss_mb?: number;
  readonly new_content_seconds?: number;
  /** W3: the bench's own seeding of the N ready contents (create + status write each), for the record. */
  readonly seed_seconds?: number;
  /**
   * W0: process spawn → the driver's first CreateSnapshot; W5: the leader's SIGKILL → the driver's
   * first CreateSnapshot (the standby's). Both from the driver log's own klog timestamps.
   */
  readonly first_create_seconds?: number;
  /** W5: the leader's SIGKILL → the Lease names the standby (polled every 50 ms). */
  readonly takeover_seconds?: number;
  /** W5: how long the leader was SIGSTOPped (the contents created meanwhile) before the SIGKILL. */
  readonly stop_to_kill_seconds?: number;
  /** Wall time of the whole run (world up to world down), for the record. */
  readonly wall_seconds: number;
  readonly error?: string;
}

export const SUMMARY_FIELDS = [
  'seconds',
  'cpu_seconds',
  'startup_cpu_seconds',
  'apiserver_cpu_seconds',
  'peak_rss_mb',
  'api_requests_per_snapshot',
  'csi_calls_per_snapshot',
  'backend_snapshots',
  'p50_seconds',
  'p99_seconds',
  'sync_seconds',
  'rest_rss_mb',
  'new_content_seconds',
  'seed_seconds',
  'first_create_seconds',
  'takeover_seconds',
] as const;
export type SummaryField = (typeof SUMMARY_FIELDS)[number];

export type SideSummary = Partial<Record<SummaryField, number>> & {
  /** Relative spread (max−min)/median of `seconds` across repetitions: the noise figure. */
  readonly seconds_spread: number | null;
  readonly failed_runs: number;
  readonly runs: readonly RunMeasurement[];
};

export interface WorkloadResult {
  readonly name: WorkloadName;
  /**
   * The CSI driver both sidecars ran against. Absent in results from before it was recorded: those
   * (up to 2026-11-23) ran on the Kubernetes e2e CSI mock.
   */
  readonly csi_driver?: string;
  readonly n: number;
  readonly flags: readonly string[];
  readonly description: string;
  readonly ours: SideSummary;
  readonly upstream: SideSummary;
  readonly ratio: Partial<Record<SummaryField, number | null>>;
}

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memGiB: number;
  readonly node: string;
  readonly go?: string;
  readonly kernel: string;
  readonly k8s: string;
  readonly upstreamSnapshotter: string;
  readonly loadavgStart: readonly number[];
  readonly loadavgEnd?: readonly number[];
}

export interface BenchResult {
  readonly machine: MachineInfo;
  readonly command: string;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly reps: number;
  readonly quick: boolean;
  readonly workloads: readonly WorkloadResult[];
  readonly targets: readonly TargetCheck[];
  /** Where the chart was written, relative to the results file. */
  readonly chart?: string;
  /** The W3 scale chart (sync, RSS at rest, new content against N), when W3 ran at two or more N. */
  readonly scale_chart?: string;
}

export interface TargetCheck {
  readonly id: string;
  readonly description: string;
  readonly workload: WorkloadName;
  readonly n: number;
  readonly actual: number | null;
  readonly limit: number;
  readonly status: 'met' | 'missed' | 'not-run';
}
