// The Grafana dashboard and its picture: one panel list, a checked-in JSON that matches it, and
// queries that only name metrics the sidecar exports (ours and upstream's).
import fs from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { PANELS, type Scrape } from '../../../bench/dashboard-panels.js';
import { renderDashboard } from '../../../bench/dashboard-svg.js';
import { DASHBOARD_FILE, dashboardJson } from '../../../bench/grafana-dashboard.js';
import { histogramQuantile, parsePromText, sumBy } from '../../../bench/prom-text.js';
import { createMetrics } from '../../../src/observability/metrics.js';

describe('manifests/grafana-dashboard.json', () => {
  test('is what bench/grafana-dashboard.ts generates from the picture\'s panel list (regenerate with make dashboard-picture)', () => {
    expect(fs.readFileSync(DASHBOARD_FILE, 'utf8')).toBe(dashboardJson());
  });

  test('every query names only metrics the sidecar exports', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.setDriverName('d');
    metrics.workQueue('q');
    metrics.bindContentStates('VolumeSnapshotContent', ['ready'], () => ({ counts: {}, oldestUnreadySeconds: 0 }));
    metrics.contentObserver('VolumeSnapshotContent');
    const exported = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    const dashboard = JSON.parse(fs.readFileSync(DASHBOARD_FILE, 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    expect(dashboard.panels.map((p) => p.title)).toEqual(PANELS.map((p) => p.title));
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const names = [...target.expr.matchAll(/\b((?:csi|workqueue)_[a-z_]+?)(?:_bucket|_count|_sum)?\{/g)].map((m) => m[1]);
        expect(names.length).toBeGreaterThan(0);
        for (const name of names) expect([panel.title, exported.has(name ?? '')]).toEqual([panel.title, true]);
      }
    }
  });
});

describe('prom-text', () => {
  const text = [
    '# HELP x y',
    'csi_snapshotter_contents{driver_name="d",kind="VolumeSnapshotContent",state="ready"} 3',
    'csi_snapshotter_contents{driver_name="d",kind="VolumeGroupSnapshotContent",state="ready"} 2',
    'csi_snapshotter_contents{driver_name="d",kind="VolumeSnapshotContent",state="error"} 1',
    'h_bucket{le="1"} 2',
    'h_bucket{le="2"} 6',
    'h_bucket{le="+Inf"} 8',
    'plain 7',
  ].join('\n');

  test('sums by labels', () => {
    const samples = parsePromText(text);
    expect(samples).toHaveLength(7);
    expect(Object.fromEntries(sumBy(samples, 'csi_snapshotter_contents', ['state']))).toEqual({ ready: 5, error: 1 });
    expect(sumBy(samples, 'plain', []).get('')).toBe(7);
  });

  test('histogram quantile interpolates inside a bucket, as Prometheus; the +Inf bucket gives the last finite bound', () => {
    const buckets = new Map(sumBy(parsePromText(text), 'h_bucket', ['le'])).entries();
    const m = new Map([...buckets].map(([le, v]) => [le === '+Inf' ? Infinity : Number(le), v] as const));
    expect(histogramQuantile(0.25, m)).toBe(1);
    expect(histogramQuantile(0.5, m)).toBe(1.5);
    expect(histogramQuantile(1, m)).toBe(2);
    expect(histogramQuantile(0.5, new Map())).toBeUndefined();
  });
});

test('the picture has one titled panel per dashboard panel and a line per series', () => {
  const scrape = (t: number, ready: number): Scrape => ({
    t,
    samples: parsePromText(`csi_snapshotter_contents{state="ready"} ${ready}\ncsi_snapshotter_contents{state="pending"} ${10 - ready}`),
  });
  const svg = renderDashboard({ title: 'T', subtitle: 'S', panels: PANELS, history: [scrape(0, 0), scrape(1, 4), scrape(2, 10)] });
  for (const p of PANELS) expect(svg).toContain(`>${p.title}<`);
  expect(svg).toContain('>ready<');
  expect(svg).toContain('>pending<');
  expect(svg.match(/<path /g)?.length).toBeGreaterThanOrEqual(2);
});
