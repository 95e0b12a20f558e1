import { describe, expect, test } from '@jest/globals';
import { parseBenchArgs } from '../../../bench/bench-options.js';
import { niceMax, renderChart } from '../../../bench/chart-svg.js';
import { ANALYSIS_MARKER, extractAnalysis, renderReport } from '../../../bench/report-md.js';
import type { RunMeasurement, WorkloadSpec } from '../../../bench/results-schema.js';
import { benchResult } from './bench-result.js';
import { checkTargets, summarizeWorkload } from '../../../bench/summarize.js';
import { workloadPlan } from '../../../bench/workload-specs.js';

const W1: WorkloadSpec = { name: 'W1', n: 200, flags: ['--kube-api-qps=5'], description: 'w1' };

function run(side: RunMeasurement['side'], rep: number, seconds: number, extra: Partial<RunMeasurement> = {}): RunMeasurement {
  return {
    side,
    rep,
    seconds,
    cpu_seconds: seconds / 10,
    startup_cpu_seconds: 0.1,
    peak_rss_mb: 100,
    api_requests_per_snapshot: side === 'ours' ? 3 : 4,
    api: { total: 0, list_watch: 0, per_object: 0, by_verb: {} },
    csi_calls_per_snapshot: 2,
    csi: { total: 0, failed: 0, by_method: {} },
    sidecar_metrics_csi_calls: {},
    backend_snapshots: 200,
    backend_expected: 200,
    wall_seconds: seconds + 10,
    ...extra,
  };
}

describe('summaries', () => {
  test('each side is the median of its successful runs; the ratio is ours / upstream', () => {
    const w = summarizeWorkload(W1, [
      run('ours', 1, 90),
      run('upstream', 1, 160),
      run('ours', 2, 100),
      run('upstream', 2, 150),
      run('ours', 3, 500, { error: 'BenchError: timeout' }),
      run('upstream', 3, 170),
    ]);
    expect(w.ours.seconds).toBe(95);
    expect(w.ours.failed_runs).toBe(1);
    expect(w.upstream.seconds).toBe(160);
    expect(w.ratio.seconds).toBe(0.594);
    expect(w.ours.runs).toHaveLength(3);
  });

  test('targets use the largest N of a workload; absolute targets read ours alone; absent workloads are not-run', () => {
    const small = summarizeWorkload({ ...W1, n: 50 }, [run('ours', 1, 10), run('upstream', 1, 10)]);
    const big = summarizeWorkload(W1, [run('ours', 1, 100), run('upstream', 1, 160)]);
    const checks = checkTargets([small, big]);
    const byId = new Map(checks.map((c) => [c.id, c]));
    expect(byId.get('W1-time')).toMatchObject({ n: 200, actual: 0.625, status: 'met' });
    expect(byId.get('W1-api')).toMatchObject({ actual: 3, status: 'met' });
    expect(byId.get('W4-time')).toMatchObject({ status: 'not-run', actual: null });
    const slow = checkTargets([summarizeWorkload(W1, [run('ours', 1, 150), run('upstream', 1, 160)])]);
    expect(slow.find((c) => c.id === 'W1-time')?.status).toBe('missed');
  });
});

describe('report and chart', () => {
  const result = benchResult({
    command: 'node bench/run.ts --quick',
    quick: true,
    workloads: [summarizeWorkload(W1, [run('ours', 1, 100), run('upstream', 1, 160)])],
    targets: [],
  });

  test('the report names the command and keeps the hand-written analysis across rewrites', () => {
    const first = renderReport({ result, resultsFile: 'r.json', analysis: '\n## Analysis\nwhy it is slow\n' });
    expect(first).toContain('`node bench/run.ts --quick`');
    expect(first).toContain('| time (s) | 100.00 | 160.00 | 0.63 |');
    const again = renderReport({ result, resultsFile: 'r.json', analysis: extractAnalysis(first) });
    expect(again).toBe(first);
    expect(extractAnalysis('no marker')).toBe('');
    expect(first.indexOf(ANALYSIS_MARKER)).toBeLessThan(first.indexOf('why it is slow'));
  });

  test('the chart has one point per (side, N) and a legend entry per side', () => {
    const svg = renderChart({
      title: 't <&>',
      xLabel: 'N',
      yLabel: 's',
      series: [
        { label: 'ours', color: '#00f', points: [{ n: 50, seconds: 20 }, { n: 200, seconds: 90 }] },
        { label: 'upstream', color: '#f00', points: [{ n: 50, seconds: 30 }, { n: 200, seconds: Number.NaN }] },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg.match(/<polyline /g)).toHaveLength(1);
    expect(svg).toContain('t &lt;&amp;&gt;');
    expect(niceMax(160)).toBe(200);
    expect(niceMax(0)).toBe(1);
  });
});

describe('command line and plan', () => {
  test('--quick runs W1 and W4 at N=10, one repetition', () => {
    const opts = parseBenchArgs(['--quick']);
    expect(opts).toMatchObject({ quick: true, workloads: ['W1', 'W4'], reps: 1 });
    expect(workloadPlan({ quick: opts.quick, selected: opts.workloads }).map((w) => `${w.name}:${w.n}`)).toEqual(['W1:10', 'W4:10']);
  });

  test('the full plan runs W1 at two sizes for the chart, W3 at three for the scale curve, and W2 at QPS 200', () => {
    const full = parseBenchArgs([]);
    const plan = workloadPlan({ quick: full.quick, selected: full.workloads });
    expect(plan.map((w) => `${w.name}:${w.n}`)).toEqual(['W0:1', 'W1:50', 'W1:200', 'W2:2000', 'W3:1000', 'W3:10000', 'W3:50000', 'W4:200', 'W5:200']);
    expect(plan.find((w) => w.name === 'W2')?.flags).toContain('--kube-api-qps=200');
  });

  test('bad arguments are rejected with a stable code', () => {
    expect(() => parseBenchArgs(['--workloads', 'W9'])).toThrow(expect.objectContaining({ code: 'bad-arguments' }));
    expect(() => parseBenchArgs(['--reps=0'])).toThrow(expect.objectContaining({ code: 'bad-arguments' }));
    expect(parseBenchArgs(['--workloads=w2,w3', '--reps', '2'])).toMatchObject({ workloads: ['W2', 'W3'], reps: 2 });
  });
});
