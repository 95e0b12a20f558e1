// Side-by-side benchmark of our csi-snapshotter against upstream csi-snapshotter v8.6.0 (issues 8, 15).
//   node --import ./test/world/register-ts.ts bench/run.ts [--quick] [--workloads W0,W1,..] [--reps N] [--n W3=1000,10000]
// For every workload and repetition it runs ours, then upstream, each on its own fresh world with
// identical flags, and writes <out>/<stamp>.json, <out>/latest.json, SVG charts (W1 time to ready,
// the W3 scale curve) and REPORT.md
// (bench/REPORT.md; in --quick mode everything goes to a temp dir). Exit 1 when a run failed or a
// backend snapshot count is wrong.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readManifest } from '../test/world/manifest.js';
import { BenchError } from './bench-error.js';
import { BENCH_DRIVER_LABEL } from './bench-world.js';
import { parseBenchArgs } from './bench-options.js';
import type { BenchOptions } from './bench-options.js';
import { renderChart } from './chart-svg.js';
import { machineInfo } from './machine-info.js';
import { renderScaleChart } from './scale-chart.js';
import { extractAnalysis, renderReport } from './report-md.js';
import type { BenchResult, RunMeasurement, WorkloadResult } from './results-schema.js';
import type { Side } from './sidecar-under-test.js';
import { checkTargets, summarizeWorkload } from './summarize.js';
import { round } from './stats.js';
import { workloadPlan } from './workload-specs.js';
import { runWorkload } from './workloads.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIDES: readonly Side[] = ['ours', 'upstream'];

export interface BenchOutput {
  readonly result: BenchResult;
  readonly resultsFile: string;
  readonly reportFile: string;
  readonly chartFile?: string;
  /** Failed runs and wrong backend counts, one line each; empty when all is well. */
  readonly problems: readonly string[];
}

function failedRun(side: Side, rep: number, err: unknown, wallSeconds: number): RunMeasurement {
  const nan = Number.NaN;
  return {
    side,
    rep,
    seconds: nan,
    cpu_seconds: nan,
    startup_cpu_seconds: nan,
    peak_rss_mb: nan,
    api_requests_per_snapshot: nan,
    api: { total: 0, list_watch: 0, per_object: 0, by_verb: {} },
    csi_calls_per_snapshot: nan,
    csi: { total: 0, failed: 0, by_method: {} },
    sidecar_metrics_csi_calls: {},
    backend_snapshots: nan,
    backend_expected: nan,
    wall_seconds: wallSeconds,
    error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
  };
}

function stamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}`;
}

function problemsOf(workloads: readonly WorkloadResult[]): readonly string[] {
  const out: string[] = [];
  for (const w of workloads) {
    for (const r of [...w.ours.runs, ...w.upstream.runs]) {
      if (r.error !== undefined) out.push(`${w.name} N=${w.n} ${r.side} rep ${r.rep} failed: ${r.error}`);
      else if (r.backend_snapshots !== r.backend_expected) {
        out.push(`${w.name} N=${w.n} ${r.side} rep ${r.rep}: backend holds ${r.backend_snapshots} snapshots, expected ${r.backend_expected}`);
      }
    }
  }
  return out;
}

export async function runBench(opts: BenchOptions & { readonly command: string; readonly signal: AbortSignal; readonly log: (msg: string) => void }): Promise<BenchOutput> {
  const manifest = readManifest();
  if (!fs.existsSync(path.join(REPO, 'dist/bundle/csi-snapshotter.mjs'))) throw new BenchError('bad-arguments', 'our sidecar is not built: run `npm run build` (or `make bench`)');
  const started = new Date();
  const t0 = performance.now();
  const outDir = opts.outDir ?? (opts.quick ? fs.mkdtempSync(path.join(os.tmpdir(), 'csi-bench-quick-')) : path.join(REPO, 'bench/results'));
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'csi-bench-runs-'));
  fs.mkdirSync(outDir, { recursive: true });
  const machine = machineInfo(manifest);
  const plan = workloadPlan({ quick: opts.quick, selected: opts.workloads, ...(opts.sizes ? { sizes: opts.sizes } : {}) });
  opts.log(`bench: ${plan.length} workload(s) × ${opts.reps} rep(s) × 2 sidecars; run dirs under ${workDir}`);

  const workloads: WorkloadResult[] = [];
  for (const spec of plan) {
    const runs: RunMeasurement[] = [];
    for (let rep = 1; rep <= opts.reps; rep++) {
      for (const side of SIDES) {
        opts.signal.throwIfAborted();
        const label = `${spec.name} N=${spec.n} rep ${rep}/${opts.reps} ${side}`;
        const r0 = performance.now();
        try {
          const run = await runWorkload({
            spec,
            side,
            rep,
            ctx: {
              manifest,
              workDir: path.join(workDir, `${spec.name}-${spec.n}-rep${rep}`),
              signal: opts.signal,
              ...(opts.cpuProf ? { oursEnv: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.join(workDir, 'cpu-prof', `${spec.name}-${spec.n}-rep${rep}`)}` } } : {}),
              progress: (msg) => opts.log(`  ${label}: ${msg}`),
            },
          });
          runs.push(run);
          opts.log(
            `${label}: ${run.seconds.toFixed(2)} s, cpu ${run.cpu_seconds.toFixed(2)} s, peak ${run.peak_rss_mb.toFixed(0)} MiB, ` +
              `api/snap ${run.api_requests_per_snapshot.toFixed(2)}, csi/snap ${run.csi_calls_per_snapshot.toFixed(2)}, ` +
              `backend ${run.backend_snapshots}/${run.backend_expected} (run ${run.wall_seconds.toFixed(0)} s)`,
          );
        } catch (err) {
          if (opts.signal.aborted) throw err;
          runs.push(failedRun(side, rep, err, (performance.now() - r0) / 1000));
          opts.log(`${label}: FAILED: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
    workloads.push({ ...summarizeWorkload(spec, runs), csi_driver: BENCH_DRIVER_LABEL });
  }

  const prior = opts.replaceIn ? (JSON.parse(fs.readFileSync(opts.replaceIn, 'utf8')) as BenchResult) : undefined;
  if (prior) {
    const fresh = new Set(workloads.map((w) => `${w.name}:${w.n}`));
    const kept = prior.workloads.filter((w) => !fresh.has(`${w.name}:${w.n}`));
    const order = (w: WorkloadResult): number => Number(w.name.slice(1)) * 1e6 + w.n;
    workloads.splice(0, workloads.length, ...[...kept, ...workloads].sort((a, b) => order(a) - order(b)));
  }
  const name = stamp(started);
  const w1 = workloads.filter((w) => w.name === 'W1');
  let chartFile: string | undefined;
  if (w1.length > 0) {
    chartFile = path.join(outDir, `time-to-ready-${name}.svg`);
    const series = (side: Side, label: string, color: string) => ({
      label,
      color,
      points: w1.map((w) => ({ n: w.n, seconds: w[side].seconds ?? Number.NaN })),
    });
    fs.writeFileSync(
      chartFile,
      renderChart({
        title: 'W1: N contents created at once → all readyToUse (QPS 5, burst 10, 10 workers)',
        xLabel: 'N (contents)',
        yLabel: 'seconds (median)',
        series: [series('ours', 'ours (TypeScript)', '#1f77b4'), series('upstream', 'upstream v8.6.0 (Go)', '#d62728')],
      }),
    );
  }
  const scaleSvg = renderScaleChart(workloads);
  const scaleChartFile = scaleSvg === undefined ? undefined : path.join(outDir, `scale-w3-${name}.svg`);
  if (scaleChartFile !== undefined && scaleSvg !== undefined) fs.writeFileSync(scaleChartFile, scaleSvg);
  const result: BenchResult = {
    machine: { ...(prior?.machine ?? machine), loadavgEnd: os.loadavg().map((v) => round(v, 2)) },
    command: prior ? `${prior.command}; then ${opts.command}` : opts.command,
    startedAt: prior?.startedAt ?? started.toISOString(),
    durationSeconds: round((prior?.durationSeconds ?? 0) + (performance.now() - t0) / 1000, 1),
    reps: opts.reps,
    quick: opts.quick,
    workloads,
    targets: checkTargets(workloads),
    ...(chartFile ? { chart: path.basename(chartFile) } : {}),
    ...(scaleChartFile ? { scale_chart: path.basename(scaleChartFile) } : {}),
  };
  const resultsFile = path.join(outDir, `${name}.json`);
  const json = `${JSON.stringify(result, null, 2)}\n`;
  fs.writeFileSync(resultsFile, json);
  fs.writeFileSync(path.join(outDir, 'latest.json'), json);
  const reportFile = opts.quick || opts.outDir ? path.join(outDir, 'REPORT.md') : path.join(REPO, 'bench/REPORT.md');
  const existing = fs.existsSync(reportFile) ? fs.readFileSync(reportFile, 'utf8') : '';
  const rel = (f: string): string => path.relative(path.dirname(reportFile), f);
  fs.writeFileSync(
    reportFile,
    renderReport({
      result: { ...result, ...(chartFile ? { chart: rel(chartFile) } : {}), ...(scaleChartFile ? { scale_chart: rel(scaleChartFile) } : {}) },
      resultsFile: path.relative(REPO, resultsFile).startsWith('..') ? resultsFile : path.relative(REPO, resultsFile),
      analysis: extractAnalysis(existing),
    }),
  );
  const problems = problemsOf(workloads);
  if (problems.length === 0 && !opts.cpuProf) fs.rmSync(workDir, { recursive: true, force: true });
  else opts.log(`bench: run dirs kept under ${workDir}`);
  return { result, resultsFile, reportFile, ...(chartFile ? { chartFile } : {}), problems };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let opts: BenchOptions;
  try {
    opts = parseBenchArgs(argv);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
    return;
  }
  const ac = new AbortController();
  const onSignal = (): void => ac.abort(new BenchError('timeout', 'interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const command = ['node_modules/.bin/node --import ./test/world/register-ts.ts bench/run.ts', ...argv].join(' ');
  const out = await runBench({ ...opts, command, signal: ac.signal, log: (m) => process.stderr.write(`${m}\n`) });
  process.stderr.write(`bench: results ${out.resultsFile}\nbench: report ${out.reportFile}\n`);
  for (const t of out.result.targets) process.stderr.write(`  ${t.status.padEnd(7)} ${t.description}: ${t.actual ?? '—'}\n`);
  for (const p of out.problems) process.stderr.write(`PROBLEM: ${p}\n`);
  process.stderr.write(`bench: done in ${(out.result.durationSeconds / 60).toFixed(1)} min\n`);
  if (out.problems.length > 0) process.exitCode = 1;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
