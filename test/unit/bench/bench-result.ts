// A BenchResult for report tests: a fixed machine and run header, the workloads and targets given.
import type { BenchResult } from '../../../bench/results-schema.js';

export function benchResult(parts: Pick<BenchResult, 'workloads' | 'targets'> & Partial<BenchResult>): BenchResult {
  return {
    machine: { cpus: 2, cpuModel: 'cpu', memGiB: 24, node: 'v24', kernel: 'Linux', k8s: 'v1.37', upstreamSnapshotter: 'v8.6.0', loadavgStart: [1, 1, 1] },
    command: 'bench',
    startedAt: '2026-01-01T00:00:00Z',
    durationSeconds: 60,
    reps: 1,
    quick: false,
    ...parts,
  };
}
