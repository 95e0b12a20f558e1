// csi_snapshotter_possible_orphans_total (ours, issue 13 item 2): one series per driver and kind,
// never an object name as a label.
import { describe, expect, test } from '@jest/globals';
import { createMetrics } from '../../../src/observability/metrics.js';

describe('csi_snapshotter_possible_orphans_total', () => {
  test('counts per driver_name and kind; no series before the first give-up', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    expect(await metrics.registry.metrics()).not.toMatch(/^csi_snapshotter_possible_orphans_total\{/m);
    metrics.setDriverName('hostpath.csi.k8s.io');
    metrics.countPossibleOrphan('VolumeSnapshotContent');
    metrics.countPossibleOrphan('VolumeSnapshotContent');
    metrics.countPossibleOrphan('VolumeGroupSnapshotContent');
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE csi_snapshotter_possible_orphans_total counter');
    expect(text).toContain('csi_snapshotter_possible_orphans_total{driver_name="hostpath.csi.k8s.io",kind="VolumeSnapshotContent"} 2');
    expect(text).toContain('csi_snapshotter_possible_orphans_total{driver_name="hostpath.csi.k8s.io",kind="VolumeGroupSnapshotContent"} 1');
  });
});
