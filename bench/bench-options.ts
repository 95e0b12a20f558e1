// Command line of bench/run.ts: `[--quick] [--workloads W1,W2,..] [--reps N] [--out DIR] [--cpu-prof]
// [--replace-in RESULTS.json]` (re-run some workloads and splice them into an earlier result).
import { BenchError } from './bench-error.js';
import type { WorkloadName } from './results-schema.js';
import { ALL_WORKLOADS } from './workload-specs.js';

export interface BenchOptions {
  /** N=10 for W1 and W4 only, one repetition, results to a temp dir. */
  readonly quick: boolean;
  readonly workloads: readonly WorkloadName[];
  readonly reps: number;
  /** Results directory; default bench/results (quick: a fresh temp dir). */
  readonly outDir?: string;
  /** Runs ours with NODE_OPTIONS=--cpu-prof, profiles kept in each run dir. */
  readonly cpuProf: boolean;
  /** An earlier results file whose workloads of the same (name, N) this run replaces; the rest are kept. */
  readonly replaceIn?: string;
}

export const USAGE = 'usage: bench/run.ts [--quick] [--workloads W1,W2,W3,W4] [--reps N] [--out DIR] [--cpu-prof] [--replace-in RESULTS.json]';

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let quick = false;
  let cpuProf = false;
  let workloads: readonly WorkloadName[] | undefined;
  let reps: number | undefined;
  let outDir: string | undefined;
  let replaceIn: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new BenchError('bad-arguments', `${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--quick':
        quick = true;
        break;
      case '--cpu-prof':
        cpuProf = true;
        break;
      case '--workloads': {
        const names = value().split(',').map((s) => s.trim().toUpperCase());
        const bad = names.filter((n) => !(ALL_WORKLOADS as readonly string[]).includes(n));
        if (bad.length > 0) throw new BenchError('bad-arguments', `unknown workload(s) ${bad.join(', ')}; known: ${ALL_WORKLOADS.join(', ')}`);
        workloads = names as WorkloadName[];
        break;
      }
      case '--reps': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new BenchError('bad-arguments', `--reps must be a positive integer\n${USAGE}`);
        reps = n;
        break;
      }
      case '--out':
        outDir = value();
        break;
      case '--replace-in':
        replaceIn = value();
        break;
      default:
        throw new BenchError('bad-arguments', `unknown argument ${arg}\n${USAGE}`);
    }
  }
  return {
    quick,
    cpuProf,
    workloads: workloads ?? (quick ? ['W1', 'W4'] : ALL_WORKLOADS),
    reps: reps ?? (quick ? 1 : 3),
    ...(outDir !== undefined ? { outDir } : {}),
    ...(replaceIn !== undefined ? { replaceIn } : {}),
  };
}
