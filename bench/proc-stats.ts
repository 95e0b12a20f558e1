// CPU and memory of a sidecar process from /proc. Our sidecar is bin/csi-snapshotter, a bash
// script that `exec`s Node, so the spawned pid is Node's own; upstream is a single Go binary.
// Neither forks workers, so the process's own utime+stime is the whole CPU cost.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { BenchError } from './bench-error.js';

export interface ProcSample {
  readonly cpu_seconds: number;
  /** VmRSS: resident now. */
  readonly rss_mb: number;
  /** VmHWM: the resident high-water mark since start. */
  readonly peak_rss_mb: number;
}

let ticks: number | undefined;
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** utime + stime in seconds from the text of /proc/<pid>/stat (comm may hold spaces and parens). */
export function cpuSecondsFromStat(stat: string, clkTck: number): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after comm start at field 3 (state); utime is field 14, stime field 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return (utime + stime) / clkTck;
}

/** A `VmXXX:   1234 kB` line of /proc/<pid>/status, in MiB. */
export function statusMb(status: string, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

export function sampleProcess(pid: number): ProcSample {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return {
      cpu_seconds: cpuSecondsFromStat(stat, clockTicks()),
      rss_mb: statusMb(status, 'VmRSS'),
      peak_rss_mb: statusMb(status, 'VmHWM'),
    };
  } catch (err) {
    throw new BenchError('proc-unreadable', `cannot read /proc/${pid} (did the sidecar exit?)`, { cause: err });
  }
}

/** One /proc reading of a process's CPU, stamped with the wall clock (epoch ms). */
export interface CpuSample {
  readonly atMs: number;
  readonly cpu_seconds: number;
}

/**
 * The CPU the process had used by `atMs`: the first sample taken at or after it (an upper bound by
 * at most one sampling interval), or the last sample when none is that late; NaN without samples.
 */
export function cpuAt(samples: readonly CpuSample[], atMs: number): number {
  const after = samples.find((s) => s.atMs >= atMs);
  return (after ?? samples.at(-1))?.cpu_seconds ?? Number.NaN;
}
