// What the reconciler reports about one kind's passes, for the operators' metrics: a small observer
// interface that observability implements (wired in app/), so reconcile/ never imports metrics and
// observability/ never imports the domain. Every label value is from a closed set: the series count
// never grows with the number of contents.

import type { Action } from '../snapshot/action.js';
import type { ContentView } from '../snapshot/content-view.js';

/** The operation a failed step was part of (a content's API writes outside a CSI call: 'update'). */
export type RetryOperation = 'create' | 'refresh' | 'delete' | 'update';

/** Why a pass of a content whose deletion was requested ended without finishing the deletion. */
export type DeletionBlockReason =
  /** Ready, finalizer on, the snapshot-controller has not set the being-deleted annotation yet. */
  | 'waiting-for-snapshot-controller'
  /** The being-created annotation is on and the create's outcome is still unknown. */
  | 'create-outcome-unknown'
  /** The deletion-secret annotations cannot be resolved or read. */
  | 'invalid-credentials'
  /** Another input the delete needs is missing (e.g. a group without members). */
  | 'invalid-input'
  /** DeleteSnapshot / DeleteVolumeGroupSnapshot failed. */
  | 'delete-failed'
  /** An API write (status, finalizer, annotation) failed. */
  | 'api-error';

export interface ReconcileObserver {
  /** A step failed and the key goes to the error back-off; `code` is the gRPC code name or 'none'. */
  retry(operation: RetryOperation, code: string): void;
  deletionBlocked(reason: DeletionBlockReason): void;
  /** This pass made the content ready: seconds from metadata.creationTimestamp. */
  becameReady(seconds: number): void;
}

export const NO_OBSERVER: ReconcileObserver = { retry: () => undefined, deletionBlocked: () => undefined, becameReady: () => undefined };

export function retryOperation(action: Action): RetryOperation {
  switch (action.type) {
    case 'mark-being-created':
    case 'create':
    case 'abandon-create':
      return 'create';
    case 'refresh':
      return 'refresh';
    case 'delete-backend':
      return 'delete';
    case 'fail':
      return action.failure.phase === 'delete' ? 'delete' : action.failure.phase === 'check' ? 'refresh' : 'create';
    default:
      return 'update';
  }
}

/** The gRPC code name of the first error in the cause chain that carries one (structurally, as csi/ makes them). */
export function grpcCodeOf(err: unknown): string {
  let cur: unknown = err;
  for (let depth = 0; depth < 8 && cur instanceof Error; depth++) {
    const coded = cur as Error & { readonly code?: unknown; readonly grpcCode?: unknown };
    if (typeof coded.code === 'string' && typeof coded.grpcCode === 'number') return coded.code;
    cur = cur.cause;
  }
  return 'none';
}

/**
 * Why a pass that ends at this step (a wait, a poll or a failure) leaves a requested deletion
 * unfinished; undefined when the content is not being deleted.
 */
export function deletionBlockReason(view: ContentView, action: Action): DeletionBlockReason | undefined {
  if (!view.deleting) return undefined;
  switch (action.type) {
    case 'delete-backend':
      return 'delete-failed';
    case 'fail':
      if (action.failure.phase === 'delete') return action.failure.deleteKind === 'credentials' ? 'invalid-credentials' : 'invalid-input';
      break;
    case 'remove-finalizer':
    case 'unmark-being-created':
      return 'api-error';
    default:
      break;
  }
  // Any other step on a deleting content means decide() found shouldDelete() false: either a
  // create's outcome is unknown, or the being-deleted annotation is not there yet.
  if (view.beingCreated && view.source.type === 'dynamic') return 'create-outcome-unknown';
  return 'waiting-for-snapshot-controller';
}
