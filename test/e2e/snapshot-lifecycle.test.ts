// End to end, single snapshots: a VolumeSnapshot flows through the REAL upstream snapshot-controller
// and OUR sidecar process to a REAL CSI driver (csi-driver-host-path v1.18.0, the driver upstream's
// CI uses: snapshots are tar files in its state dir, its state survives a restart) and back, against
// a real kube-apiserver + etcd. Nothing here is faked. Backend counts come from the driver's own
// ListSnapshots and its snapshot files, never from our objects.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import { createSnapshotFixture, getVolumeSnapshot, type SnapshotFixture } from '../world/fixtures.js';
import { FAST_FLAGS, SNAP, createDirectContent, eventually, getContentOrUndefined, setupE2E, signal, waitForGone, waitForReadyContent, type E2E } from './e2e-harness.js';

let e2e: E2E;
beforeAll(async () => {
  e2e = await setupE2E('lifecycle');
}, 60_000);
afterAll(async () => {
  await e2e?.close();
});

const contentOf = (f: SnapshotFixture): string => `snapcontent-${f.snapshot.metadata.uid}`;
const vsPath = (f: SnapshotFixture): string => `${SNAP}/namespaces/${f.namespace}/volumesnapshots/${f.snapshot.metadata.name}`;

async function fixture(opts: { deletionPolicy?: 'Delete' | 'Retain'; classParameters?: Record<string, string>; namespace?: string } = {}): Promise<SnapshotFixture> {
  return createSnapshotFixture({ kube: e2e.kube, csi: e2e.csi, driverName: e2e.driverName, signal: signal(), ...opts });
}

async function waitForReadySnapshot(f: SnapshotFixture): Promise<void> {
  await eventually(`VolumeSnapshot ${f.snapshot.metadata.name} readyToUse`, async () => {
    const vs = await getVolumeSnapshot(e2e.kube, { namespace: f.namespace, name: f.snapshot.metadata.name }, signal());
    return vs.status?.readyToUse === true ? true : undefined;
  }, { onTimeout: () => e2e.sidecar.log().split('\n').slice(-20).join('\n') });
}

describe('dynamic snapshots', () => {
  let deleteFixture: SnapshotFixture;

  test('VolumeSnapshot → snapshot-controller → content → our sidecar → readyToUse, with the driver holding the snapshot', async () => {
    deleteFixture = await fixture();
    await waitForReadySnapshot(deleteFixture);
    // Ready is written first, the being-created annotation removed right after (one pass).
    const content = await eventually('ready, and the being-created annotation removed', async () => {
      const c = await waitForReadyContent(e2e, contentOf(deleteFixture));
      return c.metadata.annotations?.['snapshot.storage.kubernetes.io/volumesnapshot-being-created'] === undefined ? c : undefined;
    });
    const handle = content.status?.snapshotHandle ?? '';
    expect(handle).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof content.status?.creationTime).toBe('number');
    // The driver's size of the 1 MiB volume, carried through to the content and the VolumeSnapshot.
    expect(content.status?.restoreSize).toBe(1048576);
    const vs = await getVolumeSnapshot(e2e.kube, { namespace: deleteFixture.namespace, name: deleteFixture.snapshot.metadata.name }, signal());
    expect((vs.status as { restoreSize?: string } | undefined)?.restoreSize).toBe('1Mi');
    const onDriver = await e2e.csi.listSnapshots({ snapshotId: handle }, signal());
    expect(onDriver.map((s) => [s.source_volume_id, s.size_bytes])).toEqual([[deleteFixture.volume.volume_id, '1048576']]);
    expect(e2e.backendSnapshotFiles()).toContain(handle);
  });

  test('Delete policy: deleting the VolumeSnapshot removes the content and the backend snapshot', async () => {
    const content = await waitForReadyContent(e2e, contentOf(deleteFixture));
    const handle = content.status?.snapshotHandle ?? '';
    await e2e.kube.delete(vsPath(deleteFixture), signal());
    await waitForGone(e2e, `${SNAP}/volumesnapshotcontents/${contentOf(deleteFixture)}`);
    await waitForGone(e2e, vsPath(deleteFixture));
    expect(await e2e.csi.listSnapshots({ snapshotId: handle }, signal())).toEqual([]);
    expect(e2e.backendSnapshotFiles()).not.toContain(handle);
  });

  test('Retain policy: deleting the VolumeSnapshot keeps the content and the backend snapshot', async () => {
    const f = await fixture({ deletionPolicy: 'Retain' });
    const content = await waitForReadyContent(e2e, contentOf(f));
    await e2e.kube.delete(vsPath(f), signal());
    await waitForGone(e2e, vsPath(f));
    const kept = await getContentOrUndefined(e2e.kube, contentOf(f));
    expect(kept?.status?.snapshotHandle).toBe(content.status?.snapshotHandle);
    expect(await e2e.csi.listSnapshots({ snapshotId: content.status?.snapshotHandle ?? '' }, signal())).toHaveLength(1);
  });
});

describe('pre-provisioned snapshots', () => {
  test('a content with source.snapshotHandle and a VolumeSnapshot bound to it become ready', async () => {
    // A backend snapshot made through a dynamic snapshot, then imported by handle.
    const src = await fixture({ deletionPolicy: 'Retain' });
    const handle = (await waitForReadyContent(e2e, contentOf(src))).status?.snapshotHandle ?? '';
    const name = `pre-${src.snapshot.metadata.uid.slice(0, 8)}`;
    await e2e.kube.create(`${SNAP}/volumesnapshotcontents`, {
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshotContent',
      metadata: { name },
      spec: { deletionPolicy: 'Delete', driver: e2e.driverName, source: { snapshotHandle: handle }, volumeSnapshotRef: { name, namespace: src.namespace } },
    }, signal());
    await e2e.kube.create(`${SNAP}/namespaces/${src.namespace}/volumesnapshots`, {
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshot',
      metadata: { name },
      spec: { source: { volumeSnapshotContentName: name } },
    }, signal());
    const content = await waitForReadyContent(e2e, name);
    expect(content.status?.snapshotHandle).toBe(handle);
    await eventually('pre-provisioned VolumeSnapshot ready', async () => {
      const vs = await getVolumeSnapshot(e2e.kube, { namespace: src.namespace, name }, signal());
      return vs.status?.readyToUse === true ? true : undefined;
    });
  });
});

describe('bad input ends in status.error and a Warning event, then recovers', () => {
  test('a missing VolumeSnapshotClass', async () => {
    const name = `noclass-${Date.now().toString(36)}`;
    const className = `late-class-${Date.now().toString(36)}`;
    await createDirectContent(e2e, { name, className });
    const c = await eventually('status.error on the content', async () => {
      const got = await getContentOrUndefined(e2e.kube, name);
      return got?.status?.error?.message ? got : undefined;
    });
    // Upstream's text, with the inner error quoted Go-style (%q).
    expect(c.status?.error?.message).toContain(`volumesnapshotclass.snapshot.storage.k8s.io \\"${className}\\" not found`);
    expect(c.status?.error?.message).toContain('Remedy:');
    expect(c.status?.readyToUse).toBe(false);
    expect(c.metadata.annotations?.['snapshot.storage.kubernetes.io/volumesnapshot-being-created']).toBeUndefined();
    // Events are written in the background (best effort, never blocking a reconcile).
    const events = await eventually('the Warning event in namespace default', async () => {
      const got = (await e2e.kube.get(`/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=${name}`, signal())) as { items: { reason: string; type: string; source: { component: string } }[] };
      return got.items.length > 0 ? got : undefined;
    });
    expect(events.items.map((e) => [e.type, e.reason])).toContainEqual(['Warning', 'SnapshotCreationFailed']);
    expect(events.items[0]?.source.component).toBe(`csi-snapshotter ${e2e.driverName}`);
    // The class appears: the content becomes ready without anyone touching it.
    await e2e.kube.create(`${SNAP}/volumesnapshotclasses`, { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name: className }, driver: e2e.driverName, deletionPolicy: 'Delete' }, signal());
    const ready = await waitForReadyContent(e2e, name);
    expect(ready.status?.error).toBeUndefined();
  });

  test('a class with a secret reference: Secret absent → error naming it; Secret created → ready, and the value never reaches the log', async () => {
    const ns = `sec-${Date.now().toString(36)}`;
    const f = await fixture({ namespace: ns, classParameters: { 'csi.storage.k8s.io/snapshotter-secret-name': 'snap-creds', 'csi.storage.k8s.io/snapshotter-secret-namespace': ns } });
    const name = contentOf(f);
    const failed = await eventually('status.error naming the secret', async () => {
      const c = await getContentOrUndefined(e2e.kube, name);
      return c?.status?.error?.message?.includes(`${ns}/snap-creds`) ? c : undefined;
    });
    expect(failed.status?.error?.message).toContain('not found');
    const sentinel = `s3ntinel-${Math.random().toString(36).slice(2)}`;
    await e2e.kube.create(`/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'snap-creds' }, stringData: { password: sentinel } }, signal());
    await waitForReadyContent(e2e, name);
    expect(e2e.sidecar.log()).not.toContain(sentinel);
  });
});

describe('scale and restarts', () => {
  test('50 snapshots at once: all ready, exactly 50 new backend snapshots', async () => {
    const before = new Set(await e2e.backendSnapshots());
    const ns = `many-${Date.now().toString(36)}`;
    const fixtures = await Promise.all(Array.from({ length: 50 }, () => fixture({ namespace: ns })));
    for (const f of fixtures) await waitForReadyContent(e2e, contentOf(f), 120_000);
    const added = (await e2e.backendSnapshots()).filter((id) => !before.has(id));
    expect(added).toHaveLength(50);
  }, 240_000);

  test('our sidecar killed (SIGKILL) mid-run and restarted: every snapshot ready, no duplicate on the backend', async () => {
    const before = new Set(await e2e.backendSnapshots());
    const ns = `crash-${Date.now().toString(36)}`;
    const fixtures = await Promise.all(Array.from({ length: 20 }, () => fixture({ namespace: ns })));
    await new Promise((r) => setTimeout(r, 300));
    expect(await e2e.sidecar.kill()).toBe(137);
    e2e.sidecar = e2e.startSidecar();
    for (const f of fixtures) await waitForReadyContent(e2e, contentOf(f), 120_000);
    const added = (await e2e.backendSnapshots()).filter((id) => !before.has(id));
    expect(added).toHaveLength(20);
  }, 240_000);

  test('the CSI driver killed (SIGKILL) with snapshots in flight: the sidecar exits 1 with the termination message; both restarted (driver with its state), every snapshot ends ready with exactly one backend snapshot each', async () => {
    const before = new Set(await e2e.backendSnapshots());
    const ns = `drvkill-${Date.now().toString(36)}`;
    const n = 50;
    const fixtures = await Promise.all(Array.from({ length: n }, () => fixture({ namespace: ns })));
    const volumes = new Set(fixtures.map((f) => f.volume.volume_id));
    // Kill the driver as soon as it holds the first snapshot of this batch: the rest are in flight.
    await eventually('the first backend snapshot of the batch', async () => {
      const onDriver = await e2e.csi.listSnapshots({}, signal());
      return onDriver.some((s) => volumes.has(s.source_volume_id)) ? true : undefined;
    }, { intervalMs: 10 });
    const old = e2e.sidecar;
    process.kill(e2e.driver.process.pid, 'SIGKILL');
    expect(await old.exited).toBe(1);
    const readyAtKill = (await Promise.all(fixtures.map((f) => getContentOrUndefined(e2e.kube, contentOf(f))))).filter((c) => c?.status?.readyToUse === true).length;
    process.stderr.write(`driver killed with ${readyAtKill}/${n} contents ready\n`);
    expect(readyAtKill).toBeLessThan(n); // otherwise nothing was in flight and the test proves nothing
    const termination = old.log().match(/termination-log-path=(\S+)/)?.[1];
    const terminationFile = termination ?? fs.readdirSync(e2e.dir).map((name) => `${e2e.dir}/${name}`).find((p) => p.includes('termination-'));
    expect(terminationFile && fs.readFileSync(terminationFile, 'utf8')).toContain('Lost connection to CSI driver, exiting');

    await e2e.restartDriver();
    e2e.sidecar = e2e.startSidecar(FAST_FLAGS);
    const handles = [];
    for (const f of fixtures) handles.push((await waitForReadyContent(e2e, contentOf(f), 120_000)).status?.snapshotHandle ?? '');
    // Counted on the driver: one snapshot per VolumeSnapshot, no orphan from a CreateSnapshot whose
    // answer was lost, each the one its content names, each with its file in the state dir.
    const added = (await e2e.backendSnapshots()).filter((id) => !before.has(id));
    process.stderr.write(`after the restart: ${n} contents ready, ${added.length} new snapshots on the driver, ${new Set(handles).size} distinct handles\n`);
    expect(added).toHaveLength(n);
    expect(new Set(handles).size).toBe(n);
    expect([...added].sort()).toEqual([...handles].sort());
    const files = new Set(e2e.backendSnapshotFiles());
    expect(handles.filter((h) => !files.has(h))).toEqual([]);
  }, 240_000);
});
