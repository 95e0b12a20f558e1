// manifests/grafana-dashboard.json, generated from the panel list the picture draws (one source:
// bench/dashboard-panels.ts), so the dashboard and its picture cannot drift apart.
//   node --import ./test/world/register-ts.ts bench/grafana-dashboard.ts   (make dashboard-picture runs it)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PANELS } from './dashboard-panels.js';

export const DASHBOARD_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'manifests', 'grafana-dashboard.json');

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

export function grafanaDashboard(): Record<string, unknown> {
  return {
    title: 'csi-snapshotter',
    uid: 'csi-snapshotter-ops',
    description: 'Snapshot contents by state, creation-to-ready time, stuck creates, retries, blocked deletions and possible orphans (csi-snapshotter), beside the upstream sidecar\'s CSI and work queue metrics.',
    tags: ['csi', 'snapshots', 'kubernetes'],
    editable: true,
    schemaVersion: 39,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0 },
        {
          name: 'driver',
          label: 'CSI driver',
          type: 'query',
          datasource: DATASOURCE,
          query: { query: 'label_values(csi_sidecar_operations_seconds_count, driver_name)', refId: 'driver' },
          definition: 'label_values(csi_sidecar_operations_seconds_count, driver_name)',
          refresh: 2,
          includeAll: true,
          multi: true,
          allValue: '.*',
          current: { text: 'All', value: '$__all' },
          hide: 0,
        },
      ],
    },
    panels: PANELS.map((p, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: p.title,
      description: p.description,
      datasource: DATASOURCE,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: p.unit, min: 0, custom: { lineWidth: 2, fillOpacity: 10 } }, overrides: [] },
      options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
      targets: [{ refId: 'A', datasource: DATASOURCE, expr: p.expr, legendFormat: p.legend, range: true }],
    })),
  };
}

export function dashboardJson(): string {
  return `${JSON.stringify(grafanaDashboard(), null, 2)}\n`;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  fs.writeFileSync(DASHBOARD_FILE, dashboardJson());
  process.stderr.write(`wrote ${DASHBOARD_FILE}\n`);
}
