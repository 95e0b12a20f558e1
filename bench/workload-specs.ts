// The workloads of issue 8 and the flags both sidecars get for each. Defaults are upstream's
// (--kube-api-qps=5 --kube-api-burst=10 --worker-threads=10) unless the workload says otherwise.
import type { WorkloadName, WorkloadSpec } from './results-schema.js';

const DEFAULT_FLAGS = ['--kube-api-qps=5', '--kube-api-burst=10', '--worker-threads=10'] as const;

export const ALL_WORKLOADS: readonly WorkloadName[] = ['W1', 'W2', 'W3', 'W4'];

function spec(name: WorkloadName, n: number): WorkloadSpec {
  switch (name) {
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
  }
}

/** The runs for a selection: W1 at two sizes (the chart's points), the others at the N. */
export function workloadPlan(opts: { readonly quick: boolean; readonly selected: readonly WorkloadName[] }): readonly WorkloadSpec[] {
  const sizes: Readonly<Record<WorkloadName, readonly number[]>> = opts.quick
    ? { W1: [10], W2: [50], W3: [200], W4: [10] }
    : { W1: [50, 200], W2: [2000], W3: [10_000], W4: [200] };
  return opts.selected.flatMap((name) => sizes[name].map((n) => spec(name, n)));
}
