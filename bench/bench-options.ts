// Command line of bench/run.ts: `[--quick] [--workloads W0,W1,..] [--reps N] [--n W3=200,1000]... [--out DIR]
// [--cpu-prof] [--replace-in RESULTS.json]` (re-run some workloads and splice them into an earlier result).
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
  /** `--n W3=200,1000` (repeatable): sizes replacing a workload's default ones. */
  readonly sizes?: Partial<Record<WorkloadName, readonly number[]>>;
}

export const USAGE = `usage: bench/run.ts [--quick] [--workloads ${ALL_WORKLOADS.join(',')}] [--reps N] [--n W3=1000,10000]... [--out DIR] [--cpu-prof] [--replace-in RESULTS.json]`;

function knownWorkload(name: string): WorkloadName {
  if (!(ALL_WORKLOADS as readonly string[]).includes(name)) throw new BenchError('bad-arguments', `unknown workload ${name}; known: ${ALL_WORKLOADS.join(', ')}`);
  return name as WorkloadName;
}

/** `W3=200,1000` → ['W3', [200, 1000]]. */
export function parseSizes(value: string): readonly [WorkloadName, readonly number[]] {
  const eq = value.indexOf('=');
  if (eq < 0) throw new BenchError('bad-arguments', `--n wants WORKLOAD=N[,N...], got ${value}\n${USAGE}`);
  const name = knownWorkload(value.slice(0, eq).trim().toUpperCase());
  const sizes = value.slice(eq + 1).split(',').map((v) => Number(v.trim()));
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new BenchError('bad-arguments', `--n ${value}: sizes must be positive integers\n${USAGE}`);
  return [name, sizes];
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let quick = false;
  let cpuProf = false;
  let workloads: readonly WorkloadName[] | undefined;
  let reps: number | undefined;
  let outDir: string | undefined;
  let replaceIn: string | undefined;
  const sizes: Partial<Record<WorkloadName, readonly number[]>> = {};
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
        workloads = value().split(',').map((s) => knownWorkload(s.trim().toUpperCase()));
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
      case '--n': {
        const [name, ns] = parseSizes(value());
        sizes[name] = ns;
        break;
      }
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
    ...(Object.keys(sizes).length > 0 ? { sizes } : {}),
  };
}
