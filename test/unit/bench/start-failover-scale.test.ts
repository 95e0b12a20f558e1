// Pure helpers of issue 15's measurements: the driver log's first CreateSnapshot time (W0, W5), the
// CPU at an instant from /proc samples (W0), Lease requests kept out of the per-snapshot figure (W5),
// the wrapped spawn that gives a replica its own hostname (W5), --n sizes, the W3 scale chart data,
// and the new targets.
import { describe, expect, test } from '@jest/globals';
import { leaseRequests } from '../../../bench/audit-count.js';
import { parseBenchArgs, parseSizes } from '../../../bench/bench-options.js';
import { logDecades, renderChart } from '../../../bench/chart-svg.js';
import { CREATE_SNAPSHOT, firstCallAtMs } from '../../../bench/csi-call-count.js';
import { cpuAt } from '../../../bench/proc-stats.js';
import { renderReport } from '../../../bench/report-md.js';
import type { RunMeasurement, WorkloadName, WorkloadSpec } from '../../../bench/results-schema.js';
import { benchResult } from './bench-result.js';
import { renderScaleChart, scaleRuns, scaleSeries } from '../../../bench/scale-chart.js';
import { spawnCommand, syncFromLines } from '../../../bench/sidecar-under-test.js';
import { checkTargets, summarizeWorkload } from '../../../bench/summarize.js';
import { ALL_WORKLOADS, workloadPlan } from '../../../bench/workload-specs.js';

const REF = new Date(2026, 11, 6);

describe('first CreateSnapshot from the driver log', () => {
  const lines = [
    'I1206 16:01:17.100000   14708 server.go:98] GRPC call: /csi.v1.Identity/GetPluginInfo',
    'I1206 16:01:17.200000   14708 server.go:98] GRPC call: /csi.v1.Controller/ControllerGetCapabilities',
    'GRPC call: /csi.v1.Controller/CreateSnapshot',
    'I1206 16:01:17.523456   14708 server.go:98] GRPC call: /csi.v1.Controller/CreateSnapshot',
    'I1206 16:01:17.900000   14708 server.go:98] GRPC call: /csi.v1.Controller/CreateSnapshot',
  ];

  test("is the klog time of the first CreateSnapshot line that has one, in epoch ms", () => {
    expect(firstCallAtMs(lines, CREATE_SNAPSHOT, REF)).toBe(new Date(2026, 11, 6, 16, 1, 17, 0).getTime() + 523.456);
  });

  test('other methods do not count, and no call is undefined', () => {
    expect(firstCallAtMs(lines.slice(0, 3), CREATE_SNAPSHOT, REF)).toBeUndefined();
    expect(firstCallAtMs(lines, '/csi.v1.Identity/GetPluginInfo', REF)).toBe(new Date(2026, 11, 6, 16, 1, 17, 100).getTime());
    expect(firstCallAtMs(['I1206 16:01:17.100000 1 server.go:98] GRPC call: /csi.v1.Controller/DeleteSnapshot'], CREATE_SNAPSHOT, REF)).toBeUndefined();
  });
});

describe('CPU at an instant from samples', () => {
  const samples = [
    { atMs: 1000, cpu_seconds: 0.1 },
    { atMs: 1010, cpu_seconds: 0.3 },
    { atMs: 1020, cpu_seconds: 0.4 },
  ];
  test('takes the first sample at or after the instant (an upper bound by one interval)', () => {
    expect(cpuAt(samples, 1005)).toBe(0.3);
    expect(cpuAt(samples, 1010)).toBe(0.3);
    expect(cpuAt(samples, 999)).toBe(0.1);
  });
  test('after the last sample it takes the last; without samples it is NaN', () => {
    expect(cpuAt(samples, 2000)).toBe(0.4);
    expect(cpuAt([], 1000)).toBeNaN();
  });
});

test('Lease requests are counted apart (W5 renewals are not per-snapshot work)', () => {
  const api = { total: 9, list_watch: 1, per_object: 8, by_verb: { 'get leases': 3, 'update leases': 3, 'patch volumesnapshotcontents': 2, 'watch volumesnapshotcontents': 1 } };
  expect(leaseRequests(api)).toBe(6);
  expect(leaseRequests({ total: 0, list_watch: 0, per_object: 0, by_verb: {} })).toBe(0);
});

test('W0 reads spawn → caches synced from the sidecar log: the first marker line with a klog time', () => {
  const spawned = new Date(2026, 11, 6, 16, 1, 17, 0).getTime();
  const ours = ['I1206 16:01:17.500000 1 run.js:1] "CSI driver ready"', 'I1206 16:01:18.250000 1 informer.js:1] "Caches synced" controller="VolumeSnapshotContent"'];
  expect(syncFromLines('ours', [], spawned, ours)).toEqual({ syncSeconds: 1.25, exact: true });
  expect(syncFromLines('ours', [], spawned, ours.slice(0, 1))).toBeUndefined();
  const upstream = ['I1206 16:01:17.100000 1 main.go:1] Starting CSI snapshotter'];
  expect(syncFromLines('upstream', [], spawned, upstream)).toEqual({ syncSeconds: 0.1, exact: false });
});

test('a replica with a hostname runs under unshare --uts, the real command passed as "$@"', () => {
  expect(spawnCommand('/bin/x', ['--a=1'])).toEqual({ binary: '/bin/x', args: ['--a=1'] });
  const wrapped = spawnCommand('/bin/x', ['--a=1', '--b'], 'bench-replica-a');
  expect(wrapped.binary).toBe('unshare');
  expect(wrapped.args).toEqual(['--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', 'bench-replica-a', '/bin/x', '--a=1', '--b']);
});

describe('plan and --n', () => {
  test('the full plan runs every workload, W3 at three sizes for the scale curve, W5 with leader-election flags', () => {
    const opts = parseBenchArgs([]);
    const plan = workloadPlan({ quick: opts.quick, selected: opts.workloads });
    expect(plan.map((w) => `${w.name}:${w.n}`)).toEqual(['W0:1', 'W1:50', 'W1:200', 'W2:2000', 'W3:1000', 'W3:10000', 'W3:50000', 'W4:200', 'W5:200']);
    const w5 = plan.find((w) => w.name === 'W5');
    expect(w5?.flags).toEqual(expect.arrayContaining(['--kube-api-qps=5', '--leader-election', '--leader-election-lease-duration=4s', '--leader-election-renew-deadline=3s', '--leader-election-retry-period=1s']));
  });

  test('--n replaces the sizes of one workload and is repeatable', () => {
    const opts = parseBenchArgs(['--workloads', 'W3,W5', '--n', 'W3=200,1000', '--n=w5=20']);
    expect(opts.sizes).toEqual({ W3: [200, 1000], W5: [20] });
    expect(workloadPlan({ quick: false, selected: opts.workloads, ...(opts.sizes ? { sizes: opts.sizes } : {}) }).map((w) => `${w.name}:${w.n}`)).toEqual(['W3:200', 'W3:1000', 'W5:20']);
    expect(parseSizes('W0=3')).toEqual(['W0', [3]]);
  });

  test('bad --n values are rejected with a stable code', () => {
    for (const bad of ['W3', 'W9=10', 'W3=0', 'W3=1.5', 'W3=']) {
      expect(() => parseBenchArgs(['--n', bad])).toThrow(expect.objectContaining({ code: 'bad-arguments' }));
    }
  });
});

function run(side: RunMeasurement['side'], extra: Partial<RunMeasurement>): RunMeasurement {
  return {
    side,
    rep: 1,
    seconds: 1,
    cpu_seconds: 1,
    startup_cpu_seconds: 0,
    peak_rss_mb: 100,
    api_requests_per_snapshot: 3,
    api: { total: 0, list_watch: 0, per_object: 0, by_verb: {} },
    csi_calls_per_snapshot: 1,
    csi: { total: 0, failed: 0, by_method: {} },
    sidecar_metrics_csi_calls: {},
    backend_snapshots: 1,
    backend_expected: 1,
    wall_seconds: 10,
    ...extra,
  };
}

const spec = (name: WorkloadName, n: number): WorkloadSpec => ({ name, n, flags: [], description: `${name} ${n}` });

function w3(n: number, ours: Partial<RunMeasurement>, upstream: Partial<RunMeasurement>) {
  return summarizeWorkload(spec('W3', n), [run('ours', ours), run('upstream', upstream)]);
}

describe('W3 scale curve', () => {
  const results = [
    w3(10_000, { sync_seconds: 4, rest_rss_mb: 150, new_content_seconds: 0.5 }, { sync_seconds: 5, rest_rss_mb: 120, new_content_seconds: 0.6 }),
    w3(1000, { sync_seconds: 1, rest_rss_mb: 90, new_content_seconds: 0.3 }, { sync_seconds: 1.5, rest_rss_mb: 60, new_content_seconds: 0.4 }),
    w3(50_000, { sync_seconds: 20 }, { sync_seconds: 25, rest_rss_mb: 400, new_content_seconds: 2 }),
    summarizeWorkload(spec('W1', 200), [run('ours', {}), run('upstream', {})]),
  ];

  test('series are W3 only, by N ascending, one per side; a missing median is a NaN gap', () => {
    expect(scaleRuns(results).map((w) => w.n)).toEqual([1000, 10_000, 50_000]);
    const [ours, upstream] = scaleSeries(results, 'rest_rss_mb');
    expect(ours?.points.map((p) => p.n)).toEqual([1000, 10_000, 50_000]);
    expect(ours?.points.map((p) => p.seconds)).toEqual([90, 150, Number.NaN]);
    expect(upstream?.points.map((p) => p.seconds)).toEqual([60, 120, 400]);
  });

  test('the chart has three panels with a point per (side, N) that has a value, on a log N axis', () => {
    const svg = renderScaleChart(results) ?? '';
    expect(svg.match(/<svg /g)).toHaveLength(4);
    // sync 6 points, RSS 5, new content 5.
    expect(svg.match(/<circle /g)).toHaveLength(16);
    expect(svg).toContain('150.0 MiB');
    expect(svg).toContain('0.30 s');
    expect(svg).toContain('>10k<');
    expect(renderScaleChart(results.slice(0, 1))).toBeUndefined();
  });

  test('a log axis spans whole decades around the points', () => {
    expect(logDecades(200, 1000)).toEqual([100, 1000]);
    expect(logDecades(1000, 50_000)).toEqual([1000, 10_000, 100_000]);
    const svg = renderChart({ title: 't', xLabel: 'N', yLabel: 's', xLog: true, series: [{ label: 'a', color: '#000', points: [{ n: 100, seconds: 1 }, { n: 10_000, seconds: 2 }] }] });
    const xs = [...svg.matchAll(/<circle cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    // 100 and 10,000 are the two ends of a two-decade axis: the plot's left and right edges.
    expect(xs).toEqual([64, 616]);
  });

  test('the report shows the scale table and embeds the chart', () => {
    const result = benchResult({ workloads: results, targets: checkTargets(results), scale_chart: 'results/scale-w3-x.svg' });
    const md = renderReport({ result, resultsFile: 'r.json', analysis: '' });
    expect(md).toContain('| 1000 | 1.00 / 1.50 (0.67×) | 90.00 / 60.00 (1.50×) | 0.30 / 0.40 (0.75×) |');
    expect(md).toContain('![W3 against N: sync time, RSS at rest, new content](results/scale-w3-x.svg)');
  });
});

describe('issue-15 targets', () => {
  const checks = checkTargets([
    summarizeWorkload(spec('W0', 1), [run('ours', { first_create_seconds: 0.5, peak_rss_mb: 120 }), run('upstream', { first_create_seconds: 0.4, peak_rss_mb: 100 })]),
    summarizeWorkload(spec('W5', 200), [
      run('ours', { seconds: 100, first_create_seconds: 4, peak_rss_mb: 140 }),
      run('upstream', { seconds: 120, first_create_seconds: 5, peak_rss_mb: 100 }),
    ]),
    summarizeWorkload(spec('W1', 200), [run('ours', { cpu_seconds: 1.2 }), run('upstream', { cpu_seconds: 1 })]),
  ]);
  const byId = new Map(checks.map((c) => [c.id, c]));

  test('W0 start → first CreateSnapshot and W5 both failover figures are ours/upstream ratios with limit 1.0', () => {
    expect(byId.get('W0-first-create')).toMatchObject({ actual: 1.25, limit: 1, status: 'missed' });
    expect(byId.get('W5-first-create')).toMatchObject({ actual: 0.8, limit: 1, status: 'met' });
    expect(byId.get('W5-all-ready')).toMatchObject({ actual: 0.833, limit: 1, status: 'met' });
  });

  test('CPU on W1, W2, W4 is held to 1.1×; peak RSS to 1.3× on every workload; W3 new content to 1.0×', () => {
    expect(byId.get('W1-cpu')).toMatchObject({ actual: 1.2, limit: 1.1, status: 'missed' });
    expect(byId.get('W2-cpu')?.limit).toBe(1.1);
    expect(byId.get('W4-cpu')?.limit).toBe(1.1);
    for (const w of ALL_WORKLOADS) expect(byId.get(`${w}-peak-rss`)?.limit).toBe(1.3);
    expect(byId.get('W0-peak-rss')).toMatchObject({ actual: 1.2, status: 'met' });
    expect(byId.get('W5-peak-rss')).toMatchObject({ actual: 1.4, status: 'missed' });
    expect(byId.get('W3-new')).toMatchObject({ limit: 1, status: 'not-run' });
  });
});
