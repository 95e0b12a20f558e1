// Whether this process handles VolumeGroupSnapshotContents, decided once at start (upstream HEAD
// main.go step 15): the CSIVolumeGroupSnapshot gate, then a LIST limit=1 of the two v1 group
// resources the sidecar watches. A cluster without the group CRDs (or without RBAC on them) runs
// with group support off and one clear warning, never a crash loop or an informer retrying forever.
// Beyond upstream: --node-deployment refuses group support with a warning, because upstream's
// label-filtered group class informer makes it silently do nothing (upstream-sidecar §2 QUIRK).

import type { Clock } from '../base/clock.js';
import type { Logger } from '../observability/logger.js';

export type GroupSnapshotSupport =
  | 'enabled'
  /** --feature-gates=CSIVolumeGroupSnapshot=false. */
  | 'disabled-by-gate'
  /** --node-deployment: group objects never carry the managed-by label. */
  | 'disabled-node-deployment'
  /** The v1 group CRDs cannot be listed (absent, not served at v1, or forbidden). */
  | 'disabled-api-missing'
  /** The API check has not answered yet. */
  | 'pending';

/** One LIST of a resource with limit=1; rejects when the resource cannot be listed. */
export type ProbeList = (signal: AbortSignal) => Promise<unknown>;

export interface GroupSupportParams {
  readonly wanted: boolean;
  readonly nodeDeployment: boolean;
  /** volumegroupsnapshotcontents and volumegroupsnapshotclasses, groupsnapshot.storage.k8s.io/v1. */
  readonly probes: { readonly contents: ProbeList; readonly classes: ProbeList };
  /** --timeout for both LISTs together. */
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly log: Logger;
}

/** Resolves the support state; rejects only with the signal's reason when aborted. */
export async function decideGroupSnapshotSupport(params: GroupSupportParams): Promise<Exclude<GroupSnapshotSupport, 'pending'>> {
  const { log } = params;
  if (!params.wanted) return 'disabled-by-gate';
  if (params.nodeDeployment) {
    log.warn(
      'VolumeGroupSnapshots are not supported with --node-deployment (the snapshot-controller never labels group objects for a node); ' +
        'group snapshot support is disabled for this run. Run a controller-mode csi-snapshotter for group snapshots, ' +
        'or pass --feature-gates=CSIVolumeGroupSnapshot=false to silence this warning',
    );
    return 'disabled-node-deployment';
  }
  const deadline = new AbortController();
  const timer = params.clock.setTimer(() => deadline.abort(new Error(`no answer within --timeout (${params.timeoutMs} ms)`)), params.timeoutMs);
  const signal = AbortSignal.any([params.signal, deadline.signal]);
  try {
    await Promise.all([params.probes.contents(signal), params.probes.classes(signal)]);
    return 'enabled';
  } catch (err) {
    params.signal.throwIfAborted();
    log.warn(
      'VolumeGroupSnapshot CRDs were not found; disabling the VolumeGroupSnapshot feature for this run. ' +
        'Install the groupsnapshot.storage.k8s.io/v1 CRDs (volumegroupsnapshotcontents, volumegroupsnapshotclasses) and grant ' +
        'csi-snapshotter list/watch on them, then restart; or pass --feature-gates=CSIVolumeGroupSnapshot=false to silence this warning',
      { err },
    );
    return 'disabled-api-missing';
  } finally {
    timer.cancel();
  }
}
