// Proves the test world works on its own, with no csi-snapshotter of ours: the upstream
// snapshot-controller turns a PVC-backed VolumeSnapshot into a VolumeSnapshotContent for the
// world's first CSI driver (csi-driver-host-path), and the apiserver's audit log attributes that
// write to its user agent. Also: world.json's driver list, and a hostpath driver of a test file's own
// that keeps its snapshots across a restart. Needs a running world: `make world RUN_DIR=<dir>` and TESTWORLD=<dir>/world.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { loadWorld } from '../support/world-handle.js';
import type { WorldCsiDriver, WorldJson } from '../support/world-handle.js';
import { CsiAdmin } from '../world/csi-admin.js';
import { hostpathSnapshotFiles, restartWorldCsiDriver, startCsiDriver } from '../world/csi-driver.js';
import type { CsiDriver } from '../world/csi-driver.js';
import { createSnapshotFixture, deleteSnapshotFixture, waitForContent } from '../world/fixtures.js';
import type { SnapshotFixture, VolumeSnapshotContent } from '../world/fixtures.js';
import { KubeRest } from '../world/kube-rest.js';
import { waitUntil } from '../world/proc.js';

interface AuditEvent {
  readonly stage: string;
  readonly verb: string;
  readonly userAgent?: string;
  readonly objectRef?: { readonly resource?: string; readonly name?: string };
  readonly responseStatus?: { readonly code?: number };
}

function auditEvents(file: string): readonly AuditEvent[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AuditEvent);
}

describe('test world without our sidecar', () => {
  let world: WorldJson;
  let driver: WorldCsiDriver;
  let kube: KubeRest;
  let csi: CsiAdmin;
  let fixture: SnapshotFixture | undefined;
  let content: VolumeSnapshotContent;

  beforeAll(async () => {
    world = loadWorld();
    const first = world.csi[0];
    if (!first) throw new Error(`${world.runDir}/world.json lists no CSI driver`);
    driver = first;
    kube = await KubeRest.fromKubeconfig({ kubeconfig: world.kubeconfig, userAgent: 'testworld-e2e/world-smoke' });
    csi = CsiAdmin.open({ endpoint: driver.endpoint, csiProto: world.csiProto });
    const signal = AbortSignal.timeout(60_000);
    fixture = await createSnapshotFixture({ kube, csi, driverName: driver.driverName, signal });
    content = await waitForContent(kube, fixture, { signal });
  });

  afterAll(async () => {
    if (fixture) await deleteSnapshotFixture(kube, fixture, AbortSignal.timeout(30_000));
    csi?.close();
  });

  test('world.json lists csi-driver-host-path first (kind, state dir) and the CSI mock second', () => {
    expect(world.csi.map((d) => d.kind)).toEqual(['hostpath', 'mock']);
    expect(driver.stateDir && fs.existsSync(path.join(driver.stateDir, 'state.json'))).toBe(true);
    expect(world.csi[1]?.stateDir).toBeUndefined();
    expect(fs.existsSync(world.hostpathPlugin)).toBe(true);
  });

  test('snapshot-controller creates the VolumeSnapshotContent with driver, volume handle, class and snapshot ref', () => {
    const f = fixture as SnapshotFixture;
    expect(content.spec.driver).toBe(driver.driverName);
    expect(content.spec.source.volumeHandle).toBe(f.volume.volume_id);
    expect(content.spec.volumeSnapshotClassName).toBe(f.snapshotClassName);
    expect(content.spec.deletionPolicy).toBe('Delete');
    expect(content.spec.volumeSnapshotRef).toMatchObject({
      kind: 'VolumeSnapshot',
      name: f.snapshot.metadata.name,
      namespace: f.namespace,
      uid: f.snapshot.metadata.uid,
    });
  });

  test('no sidecar runs in the world: the driver holds no snapshot of the volume and the content has no handle', async () => {
    const f = fixture as SnapshotFixture;
    const onDriver = await csi.listSnapshots({ sourceVolumeId: f.volume.volume_id }, AbortSignal.timeout(10_000));
    expect(onDriver).toEqual([]);
    expect(content.status?.snapshotHandle).toBeUndefined();
  });

  test('the audit log records the content creation under the snapshot-controller user agent', async () => {
    const isCreate = (e: AuditEvent): boolean =>
      e.stage === 'ResponseComplete' &&
      e.verb === 'create' &&
      e.objectRef?.resource === 'volumesnapshotcontents' &&
      e.objectRef.name === content.metadata.name;
    let creates: readonly AuditEvent[] = [];
    await waitUntil(
      async () => {
        creates = auditEvents(world.auditLog).filter(isCreate);
        return creates.length > 0;
      },
      { what: 'audit event for the content create', timeoutMs: 10_000 },
    );
    expect(creates.map((e) => e.userAgent?.split('/')[0])).toEqual(['snapshot-controller']);
    expect(creates[0]?.responseStatus?.code).toBe(201);
  });
});

describe('a test file with a CSI driver of its own', () => {
  let world: WorldJson;
  let dir: string;
  let own: CsiDriver | undefined;
  let kube: KubeRest;
  let csi: CsiAdmin | undefined;
  let fixture: SnapshotFixture | undefined;

  beforeAll(async () => {
    world = loadWorld();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tws-'));
    kube = await KubeRest.fromKubeconfig({ kubeconfig: world.kubeconfig, userAgent: 'testworld-e2e/world-smoke' });
  });

  afterAll(async () => {
    if (fixture) await deleteSnapshotFixture(kube, fixture, AbortSignal.timeout(30_000));
    csi?.close();
    await own?.process.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('gets its own driver name and contents, and the snapshot-controller targets that driver', async () => {
    const signal = AbortSignal.timeout(60_000);
    const driverName = `smoke-${path.basename(dir).slice(4).toLowerCase()}.csi.testworld`;
    own = await startCsiDriver({ kind: 'hostpath', binary: world.hostpathPlugin, driverName, socketDir: dir, logDir: dir, csiProto: world.csiProto, signal });
    csi = CsiAdmin.open({ endpoint: own.endpoint, csiProto: world.csiProto });
    expect((await csi.getPluginInfo(signal)).name).toBe(driverName);

    fixture = await createSnapshotFixture({ kube, csi, driverName, signal });
    const content = await waitForContent(kube, fixture, { signal });
    expect(content.spec.driver).toBe(driverName);
    expect(content.spec.source.volumeHandle).toBe(fixture.volume.volume_id);
  });

  test('a hostpath driver killed and restarted on its state dir still has its volume and snapshot (ListSnapshots and the file)', async () => {
    const signal = AbortSignal.timeout(60_000);
    if (!own || !csi) throw new Error('the previous test did not start the driver');
    const volume = await csi.createVolume({ name: 'restart-check' }, signal);
    const taken = await csi.createSnapshot({ name: 'restart-check-snap', sourceVolumeId: volume.volume_id }, signal);
    expect(taken.size_bytes).toBe('1048576');
    own = await own.restart({ kill: true, signal });
    csi.close();
    csi = CsiAdmin.open({ endpoint: own.endpoint, csiProto: world.csiProto });
    const listed = await csi.listSnapshots({ snapshotId: taken.snapshot_id }, signal);
    expect(listed.map((s) => [s.snapshot_id, s.source_volume_id])).toEqual([[taken.snapshot_id, volume.volume_id]]);
    expect(hostpathSnapshotFiles(own.stateDir ?? '')).toContain(taken.snapshot_id);
    // CreateSnapshot is idempotent by name across the restart: the same snapshot, not a second one.
    const again = await csi.createSnapshot({ name: 'restart-check-snap', sourceVolumeId: volume.volume_id }, signal);
    expect(again.snapshot_id).toBe(taken.snapshot_id);
  });

  test('restartWorldCsiDriver stops a driver by its world.json pid and starts it on the same socket and state dir', async () => {
    const signal = AbortSignal.timeout(60_000);
    if (!own || !csi) throw new Error('the earlier tests did not start the driver');
    // A world.json-shaped description of this file's own driver (the shared world's stays untouched).
    const described = {
      ...world,
      csi: [{ kind: own.kind, driverName: own.driverName, endpoint: own.endpoint, ...(own.stateDir !== undefined ? { stateDir: own.stateDir } : {}) }],
      pids: { [`csi-${own.driverName}`]: own.process.pid },
      runDir: dir,
    };
    const before = (await csi.listSnapshots({}, signal)).map((s) => s.snapshot_id).sort();
    expect(before.length).toBeGreaterThan(0);
    const old = own;
    own = await restartWorldCsiDriver(described, old.driverName, { kill: true, logDir: dir, signal });
    expect(old.process.isRunning()).toBe(false);
    expect((await old.process.exited).signal).toBe('SIGKILL');
    expect(own.process.pid).not.toBe(old.process.pid);
    expect([own.endpoint, own.stateDir]).toEqual([old.endpoint, old.stateDir]);
    csi.close();
    csi = CsiAdmin.open({ endpoint: own.endpoint, csiProto: world.csiProto });
    expect((await csi.listSnapshots({}, signal)).map((s) => s.snapshot_id).sort()).toEqual(before);
  });
});
