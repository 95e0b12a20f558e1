// VolumeGroupSnapshots end to end: the real kube-apiserver with the upstream CRDs, the real upstream
// snapshot-controller (CSIVolumeGroupSnapshot on), OUR sidecar as a process (group support on by
// its default gate), and a CSI driver.
//
// The driver is ScriptedCsiDriver, a scripted grpc-js driver in this process, and not a real one:
// no group-capable CSI driver can be built from the registries available here. The only real
// driver the world builds (Kubernetes' e2e CSI mock) has no GroupController, and
// csi-driver-host-path (which has one) is refused by the Go module proxy. The scripted driver
// speaks the real CSI gRPC wire (our proto), so everything from the socket up is real.
//
// Needs a running world: `make world RUN_DIR=<dir>` and TESTWORLD=<dir>/world.json; `npm run build`.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Snapshot } from '../../src/gen/csi/v1/Snapshot.js';
import type { VolumeGroupSnapshot as CsiGroup } from '../../src/gen/csi/v1/VolumeGroupSnapshot.js';
import { ScriptedCsiDriver } from '../support/scripted-csi-driver.js';
import { eventually, startSidecar, type SidecarProcess } from '../support/sidecar-process.js';
import { loadWorld, type WorldJson } from '../support/world-handle.js';
import { createNamespace, RUN_LABEL } from '../world/fixtures.js';
import { KubeRequestError, KubeRest } from '../world/kube-rest.js';

const SNAP = '/apis/snapshot.storage.k8s.io/v1';
const GROUP = '/apis/groupsnapshot.storage.k8s.io/v1';
const MEMBER_ANNOTATION = 'groupsnapshot.storage.k8s.io/volumeGroupSnapshotHandle';
/** Volumes whose handle starts with this are cut slowly by the scripted driver. */
const SLOW = 'slow-';
const SLOW_NOT_READY_MS = 6_000;

interface Meta {
  readonly name: string;
  readonly uid: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly ownerReferences?: readonly { readonly kind: string; readonly name: string }[];
}
interface Vgs {
  readonly metadata: Meta;
  readonly status?: { readonly readyToUse?: boolean; readonly boundVolumeGroupSnapshotContentName?: string; readonly error?: { readonly message?: string } };
}
interface Vgsc {
  readonly metadata: Meta;
  readonly spec: { readonly source: { readonly volumeHandles?: readonly string[] } };
  readonly status?: {
    readonly volumeGroupSnapshotHandle?: string;
    readonly readyToUse?: boolean;
    readonly creationTime?: string;
    readonly volumeSnapshotInfoList?: readonly { readonly volumeHandle?: string; readonly snapshotHandle?: string; readonly readyToUse?: boolean }[];
  };
}
interface Vs {
  readonly metadata: Meta;
  readonly status?: { readonly readyToUse?: boolean; readonly boundVolumeSnapshotContentName?: string };
}
interface Vsc {
  readonly metadata: Meta;
  readonly status?: { readonly snapshotHandle?: string; readonly volumeGroupSnapshotHandle?: string; readonly readyToUse?: boolean };
}

/** The scripted driver's GroupController: in-memory groups, idempotent by name; SLOW volumes not ready for a while. */
function scriptGroups(driver: ScriptedCsiDriver): { readonly createdAt: Map<string, number[]> } {
  const createdAt = new Map<string, number[]>();
  const firstCall = new Map<string, number>();
  let next = 1;
  const now = (): { seconds: number; nanos: number } => ({ seconds: Math.floor(Date.now() / 1000), nanos: 0 });
  const allSnapshots = (): Snapshot[] => [...driver.groupSnapshots.values()].flatMap((g) => g.snapshots ?? []);
  driver.script({
    CreateVolumeGroupSnapshot: (request) => {
      const times = createdAt.get(request.name) ?? [];
      times.push(Date.now());
      createdAt.set(request.name, times);
      const started = firstCall.get(request.name) ?? Date.now();
      firstCall.set(request.name, started);
      const slow = request.source_volume_ids.some((v) => v.startsWith(SLOW));
      const ready = !slow || Date.now() - started >= SLOW_NOT_READY_MS;
      const existing = driver.groupSnapshots.get(request.name);
      const groupId = existing?.group_snapshot_id ?? `group-${next++}`;
      const group: CsiGroup = {
        group_snapshot_id: groupId,
        snapshots: request.source_volume_ids.map((volume, i) => ({
          snapshot_id: existing?.snapshots?.[i]?.snapshot_id ?? `snap-${next++}`,
          source_volume_id: volume,
          size_bytes: '1048576',
          creation_time: now(),
          ready_to_use: ready,
          group_snapshot_id: groupId,
        })),
        creation_time: existing?.creation_time ?? now(),
        ready_to_use: ready,
      };
      driver.groupSnapshots.set(request.name, group);
      return { group_snapshot: group };
    },
    // Member contents are refreshed one by one through ListSnapshots.
    ListSnapshots: (request) => ({
      entries: allSnapshots()
        .filter((s) => request.snapshot_id === '' || s.snapshot_id === request.snapshot_id)
        .map((snapshot) => ({ snapshot })),
    }),
  });
  return { createdAt };
}

interface GroupFixture {
  readonly namespace: string;
  readonly volumeHandles: readonly string[];
  readonly pvNames: readonly string[];
  readonly pvcNames: readonly string[];
  readonly className: string;
  readonly vgs: Vgs;
}

/** Two pre-bound PV/PVC pairs labelled for the selector, a group class, and the VolumeGroupSnapshot. */
async function createGroupFixture(kube: KubeRest, opts: { readonly driverName: string; readonly handlePrefix: string; readonly signal: AbortSignal }): Promise<GroupFixture> {
  const { signal } = opts;
  const id = randomBytes(4).toString('hex');
  const namespace = `tw-grp-${id}`;
  const labels = { [RUN_LABEL]: 'true' };
  const selector = { 'app.testworld/group': `g-${id}` };
  await createNamespace(kube, namespace, signal);
  const volumeHandles = ['a', 'b'].map((x) => `${opts.handlePrefix}vol-${x}-${id}`);
  const pvNames = ['a', 'b'].map((x) => `tw-gpv-${x}-${id}`);
  const pvcNames = ['a', 'b'].map((x) => `tw-gpvc-${x}-${id}`);
  for (let i = 0; i < 2; i++) {
    const pvc = (await kube.create(
      `/api/v1/namespaces/${namespace}/persistentvolumeclaims`,
      {
        metadata: { name: pvcNames[i], labels: { ...labels, ...selector } },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } }, storageClassName: '', volumeName: pvNames[i], volumeMode: 'Filesystem' },
      },
      signal,
    )) as { readonly metadata: Meta };
    await kube.create(
      '/api/v1/persistentvolumes',
      {
        metadata: { name: pvNames[i], labels },
        spec: {
          capacity: { storage: '1Mi' },
          accessModes: ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Retain',
          storageClassName: '',
          volumeMode: 'Filesystem',
          // The snapshot-controller takes the driver from the PV and finds members' PVs by this pair.
          csi: { driver: opts.driverName, volumeHandle: volumeHandles[i] },
          claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name: pvcNames[i], uid: pvc.metadata.uid },
        },
      },
      signal,
    );
    // No PV controller runs: we play its part.
    await kube.mergePatch(`/api/v1/persistentvolumes/${pvNames[i]}/status`, { status: { phase: 'Bound' } }, signal);
    await kube.mergePatch(
      `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${pvcNames[i]}/status`,
      { status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Mi' } } },
      signal,
    );
  }
  const className = `tw-gclass-${id}`;
  await kube.create(
    `${GROUP}/volumegroupsnapshotclasses`,
    { apiVersion: 'groupsnapshot.storage.k8s.io/v1', kind: 'VolumeGroupSnapshotClass', metadata: { name: className, labels }, driver: opts.driverName, deletionPolicy: 'Delete' },
    signal,
  );
  const vgs = (await kube.create(
    `${GROUP}/namespaces/${namespace}/volumegroupsnapshots`,
    {
      apiVersion: 'groupsnapshot.storage.k8s.io/v1',
      kind: 'VolumeGroupSnapshot',
      metadata: { name: `tw-vgs-${id}`, labels },
      spec: { volumeGroupSnapshotClassName: className, source: { selector: { matchLabels: selector } } },
    },
    signal,
  )) as Vgs;
  return { namespace, volumeHandles, pvNames, pvcNames, className, vgs };
}

async function forceDelete(kube: KubeRest, p: string, signal: AbortSignal): Promise<void> {
  for (const op of [() => kube.mergePatch(p, { metadata: { finalizers: null } }, signal), () => kube.delete(p, signal)]) {
    try {
      await op();
    } catch (err) {
      if (!(err instanceof KubeRequestError && err.status === 404)) throw err;
    }
  }
}

async function gone(kube: KubeRest, p: string, signal: AbortSignal): Promise<true | undefined> {
  try {
    await kube.get(p, signal);
    return undefined;
  } catch (err) {
    if (err instanceof KubeRequestError && err.status === 404) return true;
    throw err;
  }
}

async function deleteGroupFixture(kube: KubeRest, f: GroupFixture, signal: AbortSignal): Promise<void> {
  const members = (await kube.get(`${SNAP}/namespaces/${f.namespace}/volumesnapshots`, signal)) as { items: Vs[] };
  for (const vs of members.items) {
    await forceDelete(kube, `${SNAP}/namespaces/${f.namespace}/volumesnapshots/${vs.metadata.name}`, signal);
    if (vs.status?.boundVolumeSnapshotContentName) await forceDelete(kube, `${SNAP}/volumesnapshotcontents/${vs.status.boundVolumeSnapshotContentName}`, signal);
  }
  const vgsPath = `${GROUP}/namespaces/${f.namespace}/volumegroupsnapshots/${f.vgs.metadata.name}`;
  const vgs = (await kube.get(vgsPath, signal).catch(() => undefined)) as Vgs | undefined;
  await forceDelete(kube, vgsPath, signal);
  const contentName = vgs?.status?.boundVolumeGroupSnapshotContentName;
  if (contentName) await forceDelete(kube, `${GROUP}/volumegroupsnapshotcontents/${contentName}`, signal);
  await forceDelete(kube, `${GROUP}/volumegroupsnapshotclasses/${f.className}`, signal);
  for (let i = 0; i < 2; i++) {
    await forceDelete(kube, `/api/v1/namespaces/${f.namespace}/persistentvolumeclaims/${f.pvcNames[i]}`, signal);
    await forceDelete(kube, `/api/v1/persistentvolumes/${f.pvNames[i]}`, signal);
  }
}

describe('VolumeGroupSnapshot through our sidecar and a scripted GroupController driver', () => {
  let world: WorldJson;
  let kube: KubeRest;
  let dir: string;
  let driver: ScriptedCsiDriver;
  let groups: { readonly createdAt: Map<string, number[]> };
  let sidecar: SidecarProcess | undefined;
  let driverName: string;
  const fixtures: GroupFixture[] = [];
  const diagnostics = (): string => `sidecar log tail:\n${(sidecar?.log() ?? '').split('\n').slice(-40).join('\n')}`;

  const waitReady = async (f: GroupFixture): Promise<Vgs> =>
    eventually(
      `VolumeGroupSnapshot ${f.vgs.metadata.name} ready`,
      async () => {
        const vgs = (await kube.get(`${GROUP}/namespaces/${f.namespace}/volumegroupsnapshots/${f.vgs.metadata.name}`, AbortSignal.timeout(5_000))) as Vgs;
        return vgs.status?.readyToUse === true ? vgs : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, onTimeout: diagnostics },
    );

  beforeAll(async () => {
    world = loadWorld();
    kube = await KubeRest.fromKubeconfig({ kubeconfig: world.kubeconfig, userAgent: 'testworld-e2e/group-snapshot' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgs-'));
    driverName = `grp-${path.basename(dir).slice(4).toLowerCase()}.csi.testworld`;
    driver = await ScriptedCsiDriver.start({ driverName });
    groups = scriptGroups(driver);
    sidecar = startSidecar({
      kubeconfig: world.kubeconfig,
      csiAddress: driver.address,
      dir,
      // No --feature-gates: group support is on by default.
      args: ['--v=4', '--worker-threads=2', '--poll-interval-start=1s', '--poll-interval-max=4s'],
    });
    await eventually(
      'our sidecar enabling group snapshots',
      async () => (sidecar?.log().split('\n').some((l) => l.includes('VolumeGroupSnapshot support') && l.includes('enabled')) ? true : undefined),
      { timeoutMs: 30_000, onTimeout: diagnostics },
    );
  });

  afterAll(async () => {
    const signal = AbortSignal.timeout(30_000);
    for (const f of fixtures) await deleteGroupFixture(kube, f, signal);
    await sidecar?.stop();
    await driver?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('a group of two PVCs', () => {
    let f: GroupFixture;
    let vgs: Vgs;
    let content: Vgsc;

    beforeAll(async () => {
      f = await createGroupFixture(kube, { driverName, handlePrefix: '', signal: AbortSignal.timeout(30_000) });
      fixtures.push(f);
      vgs = await waitReady(f);
      // Ready is written first, the being-created annotation removed right after in the same pass.
      content = await eventually('the group content with its being-created annotation removed', async () => {
        const c = (await kube.get(`${GROUP}/volumegroupsnapshotcontents/${vgs.status?.boundVolumeGroupSnapshotContentName}`, AbortSignal.timeout(5_000))) as Vgsc;
        return c.metadata.annotations?.['groupsnapshot.storage.kubernetes.io/volumegroupsnapshot-being-created'] === undefined ? c : undefined;
      });
    });

    test('becomes ready: one CreateVolumeGroupSnapshot of both volumes, recorded in the content status', () => {
      const name = `groupsnapshot-${f.vgs.metadata.uid}`;
      const requests = driver.requestsTo('CreateVolumeGroupSnapshot').filter((r) => r.name === name);
      expect(requests).toHaveLength(1);
      expect([...(requests[0]?.source_volume_ids ?? [])].sort()).toEqual([...f.volumeHandles].sort());
      const onDriver = driver.groupSnapshots.get(name);
      expect(content.spec.source.volumeHandles?.slice().sort()).toEqual([...f.volumeHandles].sort());
      expect(content.status?.volumeGroupSnapshotHandle).toBe(onDriver?.group_snapshot_id);
      expect(content.status?.readyToUse).toBe(true);
      expect(content.status?.creationTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(content.status?.volumeSnapshotInfoList?.map((i) => i.snapshotHandle).sort()).toEqual(onDriver?.snapshots?.map((s) => s.snapshot_id).sort());
      expect(content.metadata.annotations?.['groupsnapshot.storage.kubernetes.io/volumegroupsnapshot-being-created']).toBeUndefined();
    });

    test('its member VolumeSnapshots become ready with their contents, which are never CreateSnapshot-ed', async () => {
      const members = await eventually(
        'two ready member VolumeSnapshots',
        async () => {
          const list = (await kube.get(`${SNAP}/namespaces/${f.namespace}/volumesnapshots`, AbortSignal.timeout(5_000))) as { items: Vs[] };
          const own = list.items.filter((s) => s.metadata.ownerReferences?.some((o) => o.kind === 'VolumeGroupSnapshot' && o.name === f.vgs.metadata.name));
          return own.length === 2 && own.every((s) => s.status?.readyToUse === true) ? own : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250, onTimeout: diagnostics },
      );
      const contents = await Promise.all(members.map((m) => kube.get(`${SNAP}/volumesnapshotcontents/${m.status?.boundVolumeSnapshotContentName}`, AbortSignal.timeout(5_000)) as Promise<Vsc>));
      const groupId = content.status?.volumeGroupSnapshotHandle;
      for (const c of contents) {
        expect(c.metadata.annotations?.[MEMBER_ANNOTATION]).toBe(groupId);
        expect(c.status?.volumeGroupSnapshotHandle).toBe(groupId);
        expect(c.status?.readyToUse).toBe(true);
      }
      expect(contents.map((c) => c.status?.snapshotHandle).sort()).toEqual(content.status?.volumeSnapshotInfoList?.map((i) => i.snapshotHandle).sort());
      expect(driver.requestsTo('CreateSnapshot')).toEqual([]);
    });

    test('deleting it removes the group snapshot on the driver (with its member ids) and never DeleteSnapshot-s a member', async () => {
      const name = `groupsnapshot-${f.vgs.metadata.uid}`;
      const groupId = content.status?.volumeGroupSnapshotHandle;
      await kube.delete(`${GROUP}/namespaces/${f.namespace}/volumegroupsnapshots/${f.vgs.metadata.name}`, AbortSignal.timeout(5_000));
      await eventually('the VolumeGroupSnapshotContent to be gone', () => gone(kube, `${GROUP}/volumegroupsnapshotcontents/${content.metadata.name}`, AbortSignal.timeout(5_000)), {
        timeoutMs: 30_000,
        intervalMs: 250,
        onTimeout: diagnostics,
      });
      expect(driver.groupSnapshots.has(name)).toBe(false);
      const deletes = driver.requestsTo('DeleteVolumeGroupSnapshot');
      expect(deletes.map((d) => d.group_snapshot_id)).toEqual([groupId]);
      expect([...(deletes[0]?.snapshot_ids ?? [])].sort()).toEqual(content.status?.volumeSnapshotInfoList?.map((i) => i.snapshotHandle).sort());
      expect(driver.requestsTo('DeleteSnapshot')).toEqual([]);
    });
  });

  test('a group the driver reports not ready is polled on the poll schedule, not in a loop', async () => {
    const f = await createGroupFixture(kube, { driverName, handlePrefix: SLOW, signal: AbortSignal.timeout(30_000) });
    fixtures.push(f);
    await waitReady(f);
    const name = `groupsnapshot-${f.vgs.metadata.uid}`;
    const times = groups.createdAt.get(name) ?? [];
    // Not ready for 6 s with --poll-interval-start=1s (×1.5 per poll, ±10 %): calls at about
    // 0, 1, 2.5 and 4.75 s, then the ready one near 8 s. A sync per own write (upstream #1488)
    // would re-create every few hundred ms.
    expect(times.length).toBeGreaterThanOrEqual(4);
    expect(times.length).toBeLessThanOrEqual(6);
    // Ready: no further calls.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(groups.createdAt.get(name)).toHaveLength(times.length);
  });
});
