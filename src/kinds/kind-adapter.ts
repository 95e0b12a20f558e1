// The only place single and group contents differ at run time: how an API object becomes a
// ContentView, which status a driver answer writes, and which RPCs serve the kind. Everything
// else (decide, effects, reconciler, queue) is shared, so a fix cannot land in one kind only.

import type { SnapshotResult, Snapshotter, CallBudget, Secrets } from '../csi/snapshotter.js';
import type { KubeObject } from '../kube/types.js';
import type { CreateRequest, DeleteRequest, RefreshRequest } from '../snapshot/action.js';
import type { ContentView } from '../snapshot/content-view.js';
import type { KindVocabulary } from '../snapshot/kind-vocabulary.js';

/** A driver answer in kind-neutral terms. */
export interface DriverState {
  /** snapshot id (single) or group snapshot id (group). */
  readonly handle: string;
  readonly readyToUse: boolean;
  /** Unix ns; null when the driver did not say (we then write "now"). */
  readonly creationTimeNs: bigint | null;
  readonly sizeBytes: bigint;
  /** Single: the group id the driver reported; group: "". */
  readonly groupHandle: string;
  /** Group: the member snapshots. */
  readonly members: readonly SnapshotResult[];
}

export type RefreshAnswer = { readonly kind: 'state'; readonly state: DriverState } | { readonly kind: 'not-found' };

export interface KindAdapter<T extends KubeObject> {
  readonly vocabulary: KindVocabulary;
  readonly apiVersion: string;
  toView(obj: T): ContentView;
  /** The fill-the-gaps status merge (upstream updateSnapshotContentStatus); null when nothing changes. */
  statusPatch(obj: T, state: DriverState, nowNs: bigint): Readonly<Record<string, unknown>> | null;
  /** Status fields cleared after the backend object was deleted (as upstream: single keeps error, group clears it). */
  clearedStatus(obj: T): Readonly<Record<string, unknown>> | null;
  create(snapshotter: Snapshotter, request: CreateRequest, secrets: Secrets, budget: CallBudget): Promise<DriverState>;
  refresh(snapshotter: Snapshotter, request: RefreshRequest, secrets: Secrets, budget: CallBudget): Promise<RefreshAnswer>;
  delete(snapshotter: Snapshotter, request: DeleteRequest, secrets: Secrets, budget: CallBudget): Promise<void>;
}
