// What every workload procedure shares: the bench's write concurrency, the "done" rule, phase
// deadlines, and turning a measured phase into a run's numbers.
import { leaseRequests } from './audit-count.js';
import type { RunMeasurement, WorkloadSpec } from './results-schema.js';
import type { PhaseCost, SessionOptions } from './run-session.js';
import { quantile } from './stats.js';

/** Client-side concurrency of the bench's own writes (what "at once" means). */
export const CREATE_CONCURRENCY = 32;
/** W3/W4 seeding: as fast as the apiserver takes it on two cores (reported as seed_seconds for W3). */
export const SETUP_CONCURRENCY = 64;
export const VOLUMES = 8;
/** "Done" = no API request from the sidecar for this long (bounded). */
export const QUIET = { quietMs: 1_500, maxMs: 60_000 } as const;

export interface WorkloadContext extends Omit<SessionOptions, 'side' | 'flags'> {
  readonly progress: (msg: string) => void;
}

export type RunBody = Omit<RunMeasurement, 'side' | 'rep' | 'wall_seconds'>;

/** Generous phase deadline: 4 requests per content at the workload's QPS, three times over, at least 3 min. */
export function phaseTimeoutMs(spec: WorkloadSpec): number {
  const qps = Number(spec.flags.find((f) => f.startsWith('--kube-api-qps='))?.split('=')[1] ?? 5);
  return Math.max(180_000, ((spec.n * 4) / qps) * 3_000);
}

export function fromCost(cost: PhaseCost, n: number, startupCpu: number): Omit<RunBody, 'backend_snapshots' | 'backend_expected'> {
  return {
    seconds: cost.seconds,
    cpu_seconds: cost.cpuSeconds,
    apiserver_cpu_seconds: cost.apiserverCpuSeconds,
    startup_cpu_seconds: startupCpu,
    peak_rss_mb: cost.peakRssMb,
    // Lease renewals (W5) are not per-snapshot work; they stay visible in api.by_verb.
    api_requests_per_snapshot: (cost.api.per_object - leaseRequests(cost.api)) / n,
    api: cost.api,
    csi_calls_per_snapshot: cost.csi.total / n,
    csi: cost.csi,
    sidecar_metrics_csi_calls: cost.metricsCalls,
  };
}

export function latencies(names: readonly string[], createdAt: ReadonlyMap<string, number>, readyAt: (n: string) => number | undefined): { readonly p50: number; readonly p99: number } {
  const values: number[] = [];
  for (const name of names) {
    const c = createdAt.get(name);
    const r = readyAt(name);
    if (c !== undefined && r !== undefined) values.push((r - c) / 1000);
  }
  return { p50: quantile(values, 0.5), p99: quantile(values, 0.99) };
}
