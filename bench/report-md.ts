// Renders bench/REPORT.md from a result: the command, the machine, a table per workload, the
// targets with met/missed, the charts (W1 time to ready, the W3 scale curve), and the noise. A hand-written analysis below the ANALYSIS
// marker in the existing report is carried over unchanged, so re-running the bench never loses it.
import type { BenchResult, SideSummary, SummaryField, WorkloadResult } from './results-schema.js';
import { scaleRuns } from './scale-chart.js';

export const ANALYSIS_MARKER = '<!-- analysis: everything below is hand-written and kept when the bench rewrites this file -->';

const ROWS: readonly { readonly field: SummaryField; readonly label: string }[] = [
  { field: 'seconds', label: 'time (s)' },
  { field: 'p50_seconds', label: 'create→ready p50 (s)' },
  { field: 'p99_seconds', label: 'create→ready p99 (s)' },
  { field: 'sync_seconds', label: 'start→synced (s)' },
  { field: 'new_content_seconds', label: 'new content create→ready (s)' },
  { field: 'first_create_seconds', label: 'start (W0) / leader kill (W5) → first CreateSnapshot (s)' },
  { field: 'takeover_seconds', label: 'leader kill → Lease held by the standby (s)' },
  { field: 'cpu_seconds', label: 'sidecar CPU in phase (s)' },
  { field: 'startup_cpu_seconds', label: 'sidecar CPU before phase (s)' },
  { field: 'apiserver_cpu_seconds', label: 'kube-apiserver CPU in phase (s)' },
  { field: 'peak_rss_mb', label: 'peak RSS (MiB)' },
  { field: 'rest_rss_mb', label: 'RSS at rest (MiB)' },
  { field: 'api_requests_per_snapshot', label: 'API requests / snapshot (no list/watch)' },
  { field: 'csi_calls_per_snapshot', label: 'CSI calls / snapshot (driver log)' },
  { field: 'backend_snapshots', label: 'backend snapshots at end' },
  { field: 'seed_seconds', label: 'bench seeding the N contents (s, not the sidecar)' },
];

function fmt(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

/** `verb resource` counts of the first successful run, e.g. "patch …contents ×200". */
function verbs(side: SideSummary, n: number): string {
  const run = side.runs.find((r) => r.error === undefined);
  if (!run) return '—';
  return Object.entries(run.api.by_verb)
    .map(([k, v]) => `${k.replace('volumesnapshotcontents', 'contents')} ${fmt(v / n)}`)
    .join('; ');
}

function csiMethods(side: SideSummary): string {
  const run = side.runs.find((r) => r.error === undefined);
  if (!run) return '—';
  return Object.entries(run.csi.by_method).map(([k, v]) => `${k.split('/').pop()} ×${v}`).join(', ') || 'none';
}

/** Results recorded before the driver was: they all ran on the mock. */
export const DRIVER_BEFORE_RECORDING = 'Kubernetes e2e CSI mock (not recorded; every run before 2026-12-06 used it)';

function driverOf(w: WorkloadResult): string {
  return w.csi_driver ?? DRIVER_BEFORE_RECORDING;
}

/** "driver A: W1 N=50, W4 N=200; driver B: …" */
function driversLine(workloads: readonly WorkloadResult[]): string {
  const by = new Map<string, string[]>();
  for (const w of workloads) by.set(driverOf(w), [...(by.get(driverOf(w)) ?? []), `${w.name} N=${w.n}`]);
  return [...by.entries()].map(([d, ws]) => `${d}: ${ws.join(', ')}`).join('; ');
}

function workloadTable(w: WorkloadResult): string {
  const lines = [
    `### ${w.name}, N=${w.n}`,
    '',
    w.description + '.',
    '',
    `Flags (both sidecars): \`${w.flags.join(' ')}\``,
    '',
    `CSI driver (both sidecars): ${driverOf(w)}`,
    '',
  ];
  lines.push('| metric (median) | ours | upstream | ours / upstream |', '|---|---:|---:|---:|');
  for (const row of ROWS) {
    const o = w.ours[row.field];
    const u = w.upstream[row.field];
    if (o === undefined && u === undefined) continue;
    lines.push(`| ${row.label} | ${fmt(o)} | ${fmt(u)} | ${fmt(w.ratio[row.field])} |`);
  }
  const perN = w.name === 'W3' ? 1 : w.n;
  lines.push(
    '',
    `- API requests of ours per ${w.name === 'W3' ? 'new content' : 'content'}: ${verbs(w.ours, perN)}; list+watch: ${w.ours.runs[0]?.api.list_watch ?? '—'}`,
    `- API requests of upstream per ${w.name === 'W3' ? 'new content' : 'content'}: ${verbs(w.upstream, perN)}; list+watch: ${w.upstream.runs[0]?.api.list_watch ?? '—'}`,
    `- CSI calls seen by the driver (first run): ours ${csiMethods(w.ours)}; upstream ${csiMethods(w.upstream)}`,
    `- Repetitions: ours ${w.ours.runs.length} (failed ${w.ours.failed_runs}, time spread ${fmt(w.ours.seconds_spread)}), upstream ${w.upstream.runs.length} (failed ${w.upstream.failed_runs}, time spread ${fmt(w.upstream.seconds_spread)})`,
    `- Time per run (s): ours ${w.ours.runs.map((r) => fmt(r.seconds)).join(', ')}; upstream ${w.upstream.runs.map((r) => fmt(r.seconds)).join(', ')}`,
  );
  if (w.name === 'W5') {
    const stops = [...w.ours.runs, ...w.upstream.runs].map((r) => r.stop_to_kill_seconds).filter((v): v is number => v !== undefined);
    lines.push(`- Leader SIGSTOPped for ${stops.map((v) => fmt(v)).join(', ') || '—'} s (contents created meanwhile) before the SIGKILL; API requests per content exclude Lease renewals (in the verb lists above)`);
  }
  const errors = [...w.ours.runs, ...w.upstream.runs].filter((r) => r.error !== undefined);
  for (const e of errors) lines.push(`- FAILED run (${e.side} rep ${e.rep}): ${e.error ?? ''}`);
  return lines.join('\n');
}

/** W3 at every N it ran: the scale table and chart (nothing when W3 ran at fewer than two N). */
function scaleSection(r: BenchResult): readonly string[] {
  const runs = scaleRuns(r.workloads);
  if (runs.length < 2) return [];
  const cell = (w: WorkloadResult, f: SummaryField): string => `${fmt(w.ours[f])} / ${fmt(w.upstream[f])} (${fmt(w.ratio[f])}×)`;
  return [
    '## Scale: W3 against N (ready contents already in the cluster)',
    '',
    'Each cell: ours / upstream (ours ÷ upstream), medians.',
    '',
    '| N | start → synced (s) | RSS at rest (MiB) | new content create → ready (s) | peak RSS (MiB) | bench seeding (s) |',
    '|---:|---|---|---|---|---:|',
    ...runs.map((w) => `| ${w.n} | ${cell(w, 'sync_seconds')} | ${cell(w, 'rest_rss_mb')} | ${cell(w, 'new_content_seconds')} | ${cell(w, 'peak_rss_mb')} | ${fmt(w.ours.seed_seconds, 1)} / ${fmt(w.upstream.seed_seconds, 1)} |`),
    '',
    ...(r.scale_chart ? [`![W3 against N: sync time, RSS at rest, new content](${r.scale_chart})`, ''] : []),
  ];
}

export function renderReport(opts: { readonly result: BenchResult; readonly resultsFile: string; readonly analysis: string }): string {
  const r = opts.result;
  const m = r.machine;
  const out = [
    '# csi-snapshotter vs upstream csi-snapshotter v8.6.0: benchmark',
    '',
    '<!-- generated by bench/run.ts from the results file named below; edit only below the analysis marker -->',
    '',
    `Command: \`${r.command}\` (${r.reps} repetition(s) per side, sides alternated ours/upstream on a fresh world each, ` +
      `started ${r.startedAt}, took ${(r.durationSeconds / 60).toFixed(1)} min). Results: \`${opts.resultsFile}\`.`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, ${m.kernel}; Node ${m.node}; upstream built with ${m.go ?? 'go (unknown)'}; ` +
      `kube-apiserver ${m.k8s}; load average at start ${m.loadavgStart.join(' / ')}${m.loadavgEnd ? `, at end ${m.loadavgEnd.join(' / ')}` : ''}.`,
    '',
    'Each run: etcd + kube-apiserver (audit log) + the upstream CRDs + one CSI driver, ' +
      'no snapshot-controller (the bench writes contents, finalizers and deletions itself), then ONE sidecar (W5: two replicas with leader election, each under its own hostname). Times are taken from the ' +
      "bench's own watch; CPU and memory from /proc of the sidecar; API requests from the audit log by user agent; CSI calls from the " +
      "driver's own call log.",
    '',
    `CSI driver per workload: ${driversLine(r.workloads)}. csi-driver-host-path cuts every snapshot as a tar file of the volume ` +
      'directory under one driver-wide lock (ready at once); the mock kept snapshots in memory.',
    '',
    '## Targets',
    '',
    '| target | N | actual | limit | status |',
    '|---|---:|---:|---:|---|',
    ...r.targets.map((t) => `| ${t.description} | ${t.n || '—'} | ${fmt(t.actual)} | ${t.limit} | ${t.status === 'met' ? '**met**' : t.status === 'missed' ? '**MISSED**' : 'not run'} |`),
    '',
    ...(r.chart ? ['## Time to ready against N (W1, default flags)', '', `![time to ready against N](${r.chart})`, ''] : []),
    ...scaleSection(r),
    '## Results',
    '',
    ...r.workloads.map((w) => `${workloadTable(w)}\n`),
    ANALYSIS_MARKER,
    '',
    opts.analysis.trim(),
    '',
  ];
  return out.join('\n');
}

/** The hand-written part of an existing report (below the marker), or ''. */
export function extractAnalysis(existing: string): string {
  const i = existing.indexOf(ANALYSIS_MARKER);
  return i < 0 ? '' : existing.slice(i + ANALYSIS_MARKER.length);
}
