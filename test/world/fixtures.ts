// Reusable e2e setup: a PVC-backed VolumeSnapshot against the world, without kube-controller-manager.
// The volume is created on the CSI driver first (its id becomes the PV's volumeHandle); the PV and
// PVC are pre-bound and their status patched to Bound by hand, which is all the snapshot-controller
// checks before it creates the VolumeSnapshotContent for our sidecar to act on.
import { randomBytes } from 'node:crypto';
import type { CsiAdmin, CsiVolume } from './csi-admin.js';
import type { KubeRest } from './kube-rest.js';
import { KubeRequestError } from './kube-rest.js';
import { waitUntil } from './proc.js';

export const RUN_LABEL = 'testworld/run';

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly uid: string;
  readonly finalizers?: readonly string[];
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface VolumeSnapshot {
  readonly metadata: ObjectMeta;
  readonly spec: { readonly volumeSnapshotClassName?: string; readonly source: { readonly persistentVolumeClaimName?: string } };
  readonly status?: { readonly boundVolumeSnapshotContentName?: string; readonly readyToUse?: boolean };
}

export interface VolumeSnapshotContent {
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly driver: string;
    readonly deletionPolicy: string;
    readonly volumeSnapshotClassName?: string;
    readonly source: { readonly volumeHandle?: string; readonly snapshotHandle?: string };
    readonly volumeSnapshotRef: { readonly name: string; readonly namespace: string; readonly uid: string; readonly kind?: string };
  };
  readonly status?: { readonly snapshotHandle?: string; readonly readyToUse?: boolean };
}

export interface SnapshotFixture {
  readonly namespace: string;
  readonly volume: CsiVolume;
  readonly pvName: string;
  readonly pvcName: string;
  readonly snapshotClassName: string;
  readonly snapshot: VolumeSnapshot;
}

export interface CreateSnapshotFixtureOptions {
  readonly kube: KubeRest;
  readonly csi: CsiAdmin;
  readonly driverName: string;
  /** Created when absent; default a fresh `tw-<hex>` namespace. */
  readonly namespace?: string;
  readonly deletionPolicy?: 'Delete' | 'Retain';
  readonly classParameters?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

const uniq = (): string => randomBytes(4).toString('hex');
const SNAP = '/apis/snapshot.storage.k8s.io/v1';

export async function createNamespace(kube: KubeRest, name: string, signal: AbortSignal): Promise<void> {
  try {
    await kube.create('/api/v1/namespaces', { metadata: { name, labels: { [RUN_LABEL]: 'true' } } }, signal);
  } catch (err) {
    if (!(err instanceof KubeRequestError && err.status === 409)) throw err;
  }
}

export interface BoundClaimOptions {
  readonly kube: KubeRest;
  readonly namespace: string;
  readonly pvName: string;
  readonly pvcName: string;
  readonly driverName: string;
  readonly volumeHandle: string;
  /** On both objects. */
  readonly labels: Readonly<Record<string, string>>;
  /** Added to the PVC only (a group's selector). */
  readonly pvcLabels?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

/**
 * A 1Mi PVC and a PV pre-bound to it for `volumeHandle` on `driverName`, both patched to Bound: no PV
 * controller runs in the world, so we play its part. The snapshot-controller takes the driver from
 * the PV, and finds a group's member PVs by that driver and handle.
 */
export async function createBoundClaim(o: BoundClaimOptions): Promise<void> {
  const { kube, namespace, pvName, pvcName, signal } = o;
  const pvc = (await kube.create(
    `/api/v1/namespaces/${namespace}/persistentvolumeclaims`,
    {
      metadata: { name: pvcName, labels: { ...o.labels, ...o.pvcLabels } },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Mi' } },
        storageClassName: '',
        volumeName: pvName,
        volumeMode: 'Filesystem',
      },
    },
    signal,
  )) as { readonly metadata: ObjectMeta };
  await kube.create(
    '/api/v1/persistentvolumes',
    {
      metadata: { name: pvName, labels: o.labels },
      spec: {
        capacity: { storage: '1Mi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: '',
        volumeMode: 'Filesystem',
        csi: { driver: o.driverName, volumeHandle: o.volumeHandle },
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name: pvcName, uid: pvc.metadata.uid },
      },
    },
    signal,
  );
  await kube.mergePatch(`/api/v1/persistentvolumes/${pvName}/status`, { status: { phase: 'Bound' } }, signal);
  await kube.mergePatch(
    `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${pvcName}/status`,
    { status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Mi' } } },
    signal,
  );
}

/** CSI volume → PVC → PV (pre-bound) → both Bound → VolumeSnapshotClass → VolumeSnapshot. */
export async function createSnapshotFixture(opts: CreateSnapshotFixtureOptions): Promise<SnapshotFixture> {
  const { kube, signal } = opts;
  const id = uniq();
  const namespace = opts.namespace ?? `tw-${id}`;
  const pvName = `tw-pv-${id}`;
  const pvcName = `tw-pvc-${id}`;
  const snapshotClassName = `tw-class-${id}`;
  const labels = { [RUN_LABEL]: 'true' };
  await createNamespace(kube, namespace, signal);
  const volume = await opts.csi.createVolume({ name: `tw-vol-${id}`, capacityBytes: 1024 * 1024 }, signal);

  await createBoundClaim({ kube, namespace, pvName, pvcName, driverName: opts.driverName, volumeHandle: volume.volume_id, labels, signal });

  await kube.create(
    `${SNAP}/volumesnapshotclasses`,
    {
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshotClass',
      metadata: { name: snapshotClassName, labels },
      driver: opts.driverName,
      deletionPolicy: opts.deletionPolicy ?? 'Delete',
      ...(opts.classParameters ? { parameters: opts.classParameters } : {}),
    },
    signal,
  );
  const snapshot = (await kube.create(
    `${SNAP}/namespaces/${namespace}/volumesnapshots`,
    {
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshot',
      metadata: { name: `tw-snap-${id}`, labels },
      spec: { volumeSnapshotClassName: snapshotClassName, source: { persistentVolumeClaimName: pvcName } },
    },
    signal,
  )) as VolumeSnapshot;
  return { namespace, volume, pvName, pvcName, snapshotClassName, snapshot };
}

export function getVolumeSnapshot(
  kube: KubeRest,
  opts: { readonly namespace: string; readonly name: string },
  signal: AbortSignal,
): Promise<VolumeSnapshot> {
  return kube.get(`${SNAP}/namespaces/${opts.namespace}/volumesnapshots/${opts.name}`, signal) as Promise<VolumeSnapshot>;
}

export function getContent(kube: KubeRest, name: string, signal: AbortSignal): Promise<VolumeSnapshotContent> {
  return kube.get(`${SNAP}/volumesnapshotcontents/${name}`, signal) as Promise<VolumeSnapshotContent>;
}

/** Waits for the snapshot-controller to create the VolumeSnapshot's content and returns it. */
export async function waitForContent(
  kube: KubeRest,
  fixture: SnapshotFixture,
  opts: { readonly timeoutMs?: number; readonly signal: AbortSignal },
): Promise<VolumeSnapshotContent> {
  // The controller names the content after the snapshot's uid; it sets the status field later.
  const name = `snapcontent-${fixture.snapshot.metadata.uid}`;
  let content: VolumeSnapshotContent | undefined;
  await waitUntil(
    async (signal) => {
      content = await getContent(kube, name, signal);
      return true;
    },
    { what: `VolumeSnapshotContent ${name}`, timeoutMs: opts.timeoutMs ?? 30_000, intervalMs: 200, signal: opts.signal },
  );
  if (content === undefined) throw new Error('unreachable: waitUntil returned without a content');
  return content;
}

async function forceDelete(kube: KubeRest, path: string, signal: AbortSignal): Promise<void> {
  for (const op of [
    () => kube.mergePatch(path, { metadata: { finalizers: null } }, signal),
    () => kube.delete(path, signal),
  ]) {
    try {
      await op();
    } catch (err) {
      if (!(err instanceof KubeRequestError && err.status === 404)) throw err;
    }
  }
}

/**
 * Removes the fixture's objects, finalizers and all (nothing else would: no garbage collector, no
 * PV protection controller). The namespace itself stays: without a namespace controller it would
 * never leave Terminating.
 */
export async function deleteSnapshotFixture(kube: KubeRest, fixture: SnapshotFixture, signal: AbortSignal): Promise<void> {
  const vs = `${SNAP}/namespaces/${fixture.namespace}/volumesnapshots/${fixture.snapshot.metadata.name}`;
  await forceDelete(kube, vs, signal);
  await forceDelete(kube, `${SNAP}/volumesnapshotcontents/snapcontent-${fixture.snapshot.metadata.uid}`, signal);
  await forceDelete(kube, `${SNAP}/volumesnapshotclasses/${fixture.snapshotClassName}`, signal);
  await forceDelete(kube, `/api/v1/namespaces/${fixture.namespace}/persistentvolumeclaims/${fixture.pvcName}`, signal);
  await forceDelete(kube, `/api/v1/persistentvolumes/${fixture.pvName}`, signal);
}

