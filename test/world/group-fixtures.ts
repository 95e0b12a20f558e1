// Reusable VolumeGroupSnapshot setup against the world, without kube-controller-manager: two (or
// more) pre-bound PV/PVC pairs labelled for one selector, a VolumeGroupSnapshotClass and the
// VolumeGroupSnapshot. With a CsiAdmin the volumes are created on the driver first (1 MiB each;
// their ids become the PVs' volumeHandles), as a real driver like hostpath snapshots only volumes
// it has; a scripted driver takes made-up handles instead.
import { randomBytes } from 'node:crypto';
import type { CsiAdmin } from './csi-admin.js';
import { createBoundClaim, createNamespace, RUN_LABEL } from './fixtures.js';
import type { KubeRest } from './kube-rest.js';
import { KubeRequestError } from './kube-rest.js';

export const SNAP_API = '/apis/snapshot.storage.k8s.io/v1';
export const GROUP_API = '/apis/groupsnapshot.storage.k8s.io/v1';

export interface GroupMeta {
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion?: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly ownerReferences?: readonly { readonly kind: string; readonly name: string }[];
}

export interface VolumeGroupSnapshot {
  readonly metadata: GroupMeta;
  readonly status?: {
    readonly readyToUse?: boolean;
    readonly boundVolumeGroupSnapshotContentName?: string;
    readonly error?: { readonly message?: string };
  };
}

export interface GroupFixture {
  readonly namespace: string;
  readonly volumeHandles: readonly string[];
  readonly pvNames: readonly string[];
  readonly pvcNames: readonly string[];
  readonly className: string;
  readonly vgs: VolumeGroupSnapshot;
}

export interface CreateGroupFixtureOptions {
  readonly kube: KubeRest;
  readonly driverName: string;
  /** Creates the volumes on this driver (1 MiB each). */
  readonly csi?: CsiAdmin;
  /** Without `csi`: the volume handles to put in the PVs (one PVC each). */
  readonly volumeHandles?: readonly string[];
  /** With `csi`: how many volumes (default 2). */
  readonly size?: number;
  /** Created when absent; default a fresh `tw-grp-<hex>` namespace. */
  readonly namespace?: string;
  readonly deletionPolicy?: 'Delete' | 'Retain';
  readonly classParameters?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

/** Volumes (on the driver, or given) → PVCs and pre-bound PVs, both Bound → group class → VolumeGroupSnapshot. */
export async function createGroupFixture(opts: CreateGroupFixtureOptions): Promise<GroupFixture> {
  const { kube, signal } = opts;
  const id = randomBytes(4).toString('hex');
  const namespace = opts.namespace ?? `tw-grp-${id}`;
  const labels = { [RUN_LABEL]: 'true' };
  const selector = { 'app.testworld/group': `g-${id}` };
  await createNamespace(kube, namespace, signal);
  let volumeHandles: string[];
  if (opts.csi !== undefined) {
    const csi = opts.csi;
    volumeHandles = [];
    for (let i = 0; i < (opts.size ?? 2); i++) {
      volumeHandles.push((await csi.createVolume({ name: `tw-gvol-${i}-${id}`, capacityBytes: 1024 * 1024 }, signal)).volume_id);
    }
  } else if (opts.volumeHandles !== undefined) {
    volumeHandles = [...opts.volumeHandles];
  } else {
    throw new Error('createGroupFixture needs either csi (to create volumes) or volumeHandles');
  }
  const pvNames = volumeHandles.map((_, i) => `tw-gpv-${i}-${id}`);
  const pvcNames = volumeHandles.map((_, i) => `tw-gpvc-${i}-${id}`);
  for (let i = 0; i < volumeHandles.length; i++) {
    const [pvName, pvcName, volumeHandle] = [pvNames[i], pvcNames[i], volumeHandles[i]] as [string, string, string];
    await createBoundClaim({ kube, namespace, pvName, pvcName, driverName: opts.driverName, volumeHandle, labels, pvcLabels: selector, signal });
  }
  const className = `tw-gclass-${id}`;
  await kube.create(
    `${GROUP_API}/volumegroupsnapshotclasses`,
    {
      apiVersion: 'groupsnapshot.storage.k8s.io/v1',
      kind: 'VolumeGroupSnapshotClass',
      metadata: { name: className, labels },
      driver: opts.driverName,
      deletionPolicy: opts.deletionPolicy ?? 'Delete',
      ...(opts.classParameters ? { parameters: opts.classParameters } : {}),
    },
    signal,
  );
  const vgs = (await kube.create(
    `${GROUP_API}/namespaces/${namespace}/volumegroupsnapshots`,
    {
      apiVersion: 'groupsnapshot.storage.k8s.io/v1',
      kind: 'VolumeGroupSnapshot',
      metadata: { name: `tw-vgs-${id}`, labels },
      spec: { volumeGroupSnapshotClassName: className, source: { selector: { matchLabels: selector } } },
    },
    signal,
  )) as VolumeGroupSnapshot;
  return { namespace, volumeHandles, pvNames, pvcNames, className, vgs };
}

export function groupSnapshotPath(f: GroupFixture): string {
  return `${GROUP_API}/namespaces/${f.namespace}/volumegroupsnapshots/${f.vgs.metadata.name}`;
}

/** The name the snapshot-controller gives the group content. */
export function groupContentName(f: GroupFixture): string {
  return `groupsnapcontent-${f.vgs.metadata.uid}`;
}

/** The name the sidecar gives the group snapshot in CreateVolumeGroupSnapshot (default prefix). */
export function groupSnapshotCsiName(f: GroupFixture): string {
  return `groupsnapshot-${f.vgs.metadata.uid}`;
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

/**
 * Removes the fixture's objects, finalizers and all (no garbage collector or PV protection
 * controller runs). The group's member VolumeSnapshots (owned by its VolumeGroupSnapshot) and their
 * contents go too.
 */
export async function deleteGroupFixture(kube: KubeRest, f: GroupFixture, signal: AbortSignal): Promise<void> {
  interface Vs {
    readonly metadata: GroupMeta;
    readonly status?: { readonly boundVolumeSnapshotContentName?: string };
  }
  const all = (await kube.get(`${SNAP_API}/namespaces/${f.namespace}/volumesnapshots`, signal)) as { items: Vs[] };
  // Only this group's members: the namespace may be shared with other fixtures.
  const members = all.items.filter((vs) => vs.metadata.ownerReferences?.some((o) => o.kind === 'VolumeGroupSnapshot' && o.name === f.vgs.metadata.name));
  for (const vs of members) {
    await forceDelete(kube, `${SNAP_API}/namespaces/${f.namespace}/volumesnapshots/${vs.metadata.name}`, signal);
    if (vs.status?.boundVolumeSnapshotContentName) await forceDelete(kube, `${SNAP_API}/volumesnapshotcontents/${vs.status.boundVolumeSnapshotContentName}`, signal);
  }
  const vgsPath = groupSnapshotPath(f);
  const vgs = (await kube.get(vgsPath, signal).catch(() => undefined)) as VolumeGroupSnapshot | undefined;
  await forceDelete(kube, vgsPath, signal);
  const contentName = vgs?.status?.boundVolumeGroupSnapshotContentName;
  if (contentName) await forceDelete(kube, `${GROUP_API}/volumegroupsnapshotcontents/${contentName}`, signal);
  await forceDelete(kube, `${GROUP_API}/volumegroupsnapshotclasses/${f.className}`, signal);
  for (let i = 0; i < f.pvNames.length; i++) {
    await forceDelete(kube, `/api/v1/namespaces/${f.namespace}/persistentvolumeclaims/${f.pvcNames[i]}`, signal);
    await forceDelete(kube, `/api/v1/persistentvolumes/${f.pvNames[i]}`, signal);
  }
}
