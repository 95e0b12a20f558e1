// The bench plays the snapshot-controller: it writes the VolumeSnapshotClass, the dynamic
// VolumeSnapshotContents (bound to fake VolumeSnapshot UIDs: the sidecar never reads the
// VolumeSnapshot), their ready status for pre-existing contents, and the deletion sequence.
import { randomUUID } from 'node:crypto';
import type { KubeRest } from '../test/world/kube-rest.js';

const SNAP = '/apis/snapshot.storage.k8s.io/v1';
export const CONTENTS = `${SNAP}/volumesnapshotcontents`;
export const BOUND_PROTECTION = 'snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection';
export const BEING_DELETED = 'snapshot.storage.kubernetes.io/volumesnapshot-being-deleted';
export const BENCH_CLASS = 'bench-class';
const NAMESPACE = 'bench';

export interface ContentSpec {
  readonly name: string;
  readonly volumeHandle: string;
  /** Adds the bound-protection finalizer, as the snapshot-controller does. */
  readonly finalizer: boolean;
}

export function contentName(prefix: string, i: number): string {
  return `${prefix}-${String(i).padStart(5, '0')}`;
}

export async function createClass(kube: KubeRest, driver: string, signal: AbortSignal): Promise<void> {
  await kube.create(
    `${SNAP}/volumesnapshotclasses`,
    { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name: BENCH_CLASS }, driver, deletionPolicy: 'Delete' },
    signal,
  );
}

export function contentBody(spec: ContentSpec, driver: string): unknown {
  return {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshotContent',
    metadata: { name: spec.name, ...(spec.finalizer ? { finalizers: [BOUND_PROTECTION] } : {}) },
    spec: {
      driver,
      deletionPolicy: 'Delete',
      volumeSnapshotClassName: BENCH_CLASS,
      source: { volumeHandle: spec.volumeHandle },
      volumeSnapshotRef: {
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshot',
        name: `vs-${spec.name}`,
        namespace: NAMESPACE,
        uid: randomUUID(),
      },
    },
  };
}

export function createContent(kube: KubeRest, spec: ContentSpec, driver: string, signal: AbortSignal): Promise<unknown> {
  return kube.create(CONTENTS, contentBody(spec, driver), signal);
}

/** Writes a ready status through the /status subresource (the only way: POST ignores status). */
export function markReady(kube: KubeRest, name: string, snapshotHandle: string, signal: AbortSignal): Promise<unknown> {
  const creationTime = Date.now() * 1_000_000;
  return kube.mergePatch(`${CONTENTS}/${name}/status`, { status: { snapshotHandle, readyToUse: true, creationTime, restoreSize: 0 } }, signal);
}

/** The snapshot-controller's half of a dynamic delete: annotate, then delete. */
export async function requestDeletion(kube: KubeRest, name: string, signal: AbortSignal): Promise<void> {
  await kube.mergePatch(`${CONTENTS}/${name}`, { metadata: { annotations: { [BEING_DELETED]: 'yes' } } }, signal);
  await kube.delete(`${CONTENTS}/${name}`, signal);
}
