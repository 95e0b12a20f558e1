// The workloads of issues 8 and 15 and the flags both sidecars get for each. Defaults are upstream's
// (--kube-api-qps=5 --kube-api-burst=10 --worker-threads=10) unless the workload says otherwise.
import type { WorkloadName, WorkloadSpec } from './results-schema.js';

const DEFAULT_FLAGS = ['--kube-api-qps=5', '--kube-api-burst=10', '--worker-threads=10'] as const;

/** Where W5's Lease lives (the apiserver creates `default` itself). */
export const LEASE_NAMESPACE = 'default';

/** W5: short election timings (as the leader-election integration test) so a failover is seconds, not 15 s. */
export const ELECTION_FLAGS = [
  '--leader-election',
  `--leader-election-namespace=${LEASE_NAMESPACE}`,
  '--leader-election-lease-duration=4s',
  '--leader-election-renew-deadline=3s',
  '--leader-election-retry-period=1s',
] as const;

export const ALL_WORKLOADS: readonly WorkloadName[] = ['W0', 'W1', 'W2', 'W3', 'W4', 'W5'];

function spec(name: WorkloadName, n: number): WorkloadSpec {
  switch (name) {
    case 'W0':
      return {
        name,
        n,
        flags: [...DEFAULT_FLAGS],
        description:
          `${n} pending dynamic content(s) already in the cluster (as after a rollout), default flags: process spawn → the driver's first CreateSnapshot, ` +
          "sidecar CPU over that span (start→synced: exact for ours, a lower bound for upstream, whose marker precedes its sync below --v=4)",
      };
    case 'W1':
      return { name, n, flags: [...DEFAULT_FLAGS], description: `${n} dynamic contents created at once, default flags: first create → all readyToUse` };
    case 'W2':
      return {
        name,
        n,
        flags: ['--kube-api-qps=200', '--kube-api-burst=400', '--worker-threads=10'],
        description: `${n} dynamic contents created at once at QPS 200 / burst 400: first create → all readyToUse, p50/p99 per content`,
      };
    case 'W3':
      // --v=4: the only verbosity at which upstream logs the end of its cache sync.
      return {
        name,
        n,
        flags: [...DEFAULT_FLAGS, '--v=4'],
        description: `${n} ready contents already in the cluster: process start → caches synced, RSS at rest, then one new content create → ready`,
      };
    case 'W4':
      return { name, n, flags: [...DEFAULT_FLAGS], description: `${n} ready contents deleted at once (being-deleted annotation + delete), default flags: first delete → all gone` };
    case 'W5':
      return {
        name,
        n,
        flags: [...DEFAULT_FLAGS, ...ELECTION_FLAGS],
        description:
          `two replicas (own hostnames = identities, one driver); the leader idle, then SIGSTOPped, ${n} dynamic contents created, the leader SIGKILLed: ` +
          "kill → the standby's first CreateSnapshot (driver log) and kill → all readyToUse",
      };
  }
}

export type WorkloadSizes = Readonly<Record<WorkloadName, readonly number[]>>;

/** Full plan: W1 at two sizes (the time-to-ready chart), W3 at three (the scale chart), the others at the N. */
export const FULL_SIZES: WorkloadSizes = { W0: [1], W1: [50, 200], W2: [2000], W3: [1000, 10_000, 50_000], W4: [200], W5: [200] };
export const QUICK_SIZES: WorkloadSizes = { W0: [1], W1: [10], W2: [50], W3: [200], W4: [10], W5: [20] };

/** The runs for a selection; `sizes` (from --n) replaces a workload's default sizes. */
export function workloadPlan(opts: {
  readonly quick: boolean;
  readonly selected: readonly WorkloadName[];
  readonly sizes?: Partial<Record<WorkloadName, readonly number[]>>;
}): readonly WorkloadSpec[] {
  const base = opts.quick ? QUICK_SIZES : FULL_SIZES;
  return opts.selected.flatMap((name) => (opts.sizes?.[name] ?? base[name]).map((n) => spec(name, n)));
}
