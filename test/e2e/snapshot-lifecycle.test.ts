// End to end, single snapshots: a VolumeSnapshot flows through the REAL upstream snapshot-controller
// and OUR sidecar process to a REAL CSI driver (Kubernetes' e2e CSI mock, built from Go modules)
// and back, against a real kube-apiserver + etcd. Nothing here is faked.
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
    expect(content.status?.snapshotHandle).toMatch(/^\d+$/);
    expect(typeof content.status?.creationTime).toBe('number');
    const onDriver = await e2e.csi.listSnapshots({ snapshotId: content.status?.snapshotHandle ?? '' }, signal());
    expect(onDriver.map((s) => s.source_volume_id)).toEqual([deleteFixture.volume.volume_id]);
  });

  test('Delete policy: deleting the VolumeSnapshot removes the content and the backend snapshot', async () => {
    const content = await waitForReadyContent(e2e, contentOf(deleteFixture));
    const handle = content.status?.snapshotHandle ?? '';
    await e2e.kube.delete(vsPath(deleteFixture), signal());
    await waitForGone(e2e, `${SNAP}/volumesnapshotcontents/${contentOf(deleteFixture)}`);
    await waitForGone(e2e, vsPath(deleteFixture));
    expect(await e2e.csi.listSnapshots({ snapshotId: handle }, signal())).toEqual([]);
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

  test('the CSI driver restarted mid-run: the sidecar writes the termination message and exits 1; restarted, it carries on', async () => {
    const old = e2e.sidecar;
    await e2e.driver.process.stop();
    expect(await old.exited).toBe(1);
    const termination = old.log().match(/termination-log-path=(\S+)/)?.[1];
    const terminationFile = termination ?? fs.readdirSync(e2e.dir).map((n) => `${e2e.dir}/${n}`).find((p) => p.includes('termination-'));
    expect(terminationFile && fs.readFileSync(terminationFile, 'utf8')).toContain('Lost connection to CSI driver, exiting');
    await e2e.startDriver();
    e2e.sidecar = e2e.startSidecar(FAST_FLAGS);
    const f = await fixture();
    await waitForReadyContent(e2e, contentOf(f));
  }, 120_000);
});
