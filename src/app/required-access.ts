// THE list of Kubernetes API permissions the sidecar needs, with when it needs them and where.
// manifests/rbac.yaml grants exactly these (a unit test compares the two, so they cannot drift),
// and the start-up diagnostics ask the apiserver about each one with a SelfSubjectAccessReview.

import { FEATURE_GATE_GROUP_SNAPSHOT, type Options } from '../cli/options.js';

/** Which part of the sidecar needs the permission; decides whether the current flags need it. */
export type AccessNeed = 'always' | 'group-snapshots' | 'leader-election' | 'secrets';

/**
 * Where the permission is checked: cluster-wide (ClusterRole), in `default` (Events of
 * cluster-scoped objects go there), or in the Lease namespace (the leader-election Role).
 */
export type AccessScope = 'cluster' | 'events-namespace' | 'lease-namespace';

export interface RequiredAccess {
  readonly apiGroup: string;
  /** The plural, e.g. `volumesnapshotcontents`. */
  readonly resource: string;
  readonly subresource?: string;
  readonly verbs: readonly string[];
  readonly scope: AccessScope;
  readonly need: AccessNeed;
  /** What the sidecar does with it (shown next to a missing verb). */
  readonly why: string;
}

export const EVENTS_NAMESPACE = 'default';

export const REQUIRED_ACCESS: readonly RequiredAccess[] = [
  { apiGroup: 'snapshot.storage.k8s.io', resource: 'volumesnapshotcontents', verbs: ['get', 'list', 'watch', 'patch'], scope: 'cluster', need: 'always', why: 'informer, annotations and finalizers, re-read after a conflict' },
  { apiGroup: 'snapshot.storage.k8s.io', resource: 'volumesnapshotcontents', subresource: 'status', verbs: ['patch'], scope: 'cluster', need: 'always', why: 'status writes' },
  { apiGroup: 'snapshot.storage.k8s.io', resource: 'volumesnapshotclasses', verbs: ['list', 'watch'], scope: 'cluster', need: 'always', why: 'class informer' },
  { apiGroup: 'groupsnapshot.storage.k8s.io', resource: 'volumegroupsnapshotcontents', verbs: ['get', 'list', 'watch', 'patch'], scope: 'cluster', need: 'group-snapshots', why: 'group content informer and writes' },
  { apiGroup: 'groupsnapshot.storage.k8s.io', resource: 'volumegroupsnapshotcontents', subresource: 'status', verbs: ['patch'], scope: 'cluster', need: 'group-snapshots', why: 'group status writes' },
  { apiGroup: 'groupsnapshot.storage.k8s.io', resource: 'volumegroupsnapshotclasses', verbs: ['list', 'watch'], scope: 'cluster', need: 'group-snapshots', why: 'group class informer' },
  { apiGroup: '', resource: 'events', verbs: ['create', 'patch'], scope: 'events-namespace', need: 'always', why: 'Warning events on contents' },
  { apiGroup: '', resource: 'secrets', verbs: ['get'], scope: 'cluster', need: 'secrets', why: 'snapshotter secrets named by a class' },
  { apiGroup: 'coordination.k8s.io', resource: 'leases', verbs: ['get', 'create', 'update'], scope: 'lease-namespace', need: 'leader-election', why: 'leader election Lease' },
];

/** `resource` or `resource/subresource`, as RBAC rules spell it. */
export function ruleResource(a: Pick<RequiredAccess, 'resource' | 'subresource'>): string {
  return a.subresource === undefined ? a.resource : `${a.resource}/${a.subresource}`;
}

/** Whether the given flags make the sidecar use permissions of this kind. */
export function accessNeeded(need: AccessNeed, options: Pick<Options, 'featureGates' | 'nodeDeployment' | 'leaderElection'>): boolean {
  switch (need) {
    case 'always':
    case 'secrets':
      return true;
    case 'group-snapshots':
      // --node-deployment switches group support off (./group-snapshot-api.ts).
      return options.featureGates.get(FEATURE_GATE_GROUP_SNAPSHOT) === true && !options.nodeDeployment;
    case 'leader-election':
      return options.leaderElection;
  }
}
