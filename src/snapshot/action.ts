// What decide() tells the reconciler to do next with one content. Each action is one step with at
// most one API write or one CSI call; the reconciler runs steps until a step is terminal.

import type { SecretRef } from './secret-reference.js';

export type Phase = 'create' | 'check' | 'delete';

export interface CreateRequest {
  readonly name: string;
  readonly sourceVolumeHandles: readonly string[];
  readonly parameters: Readonly<Record<string, string>>;
  readonly secret: SecretRef | null;
}

/**
 * Deletion was requested while a create's outcome is unknown (being-created annotation on, no
 * handle) and it has stayed unknown for longer than --ambiguous-create-give-up: on the next failure
 * (or at once when no create can be issued) the annotation is released so deletion can finish,
 * and the possible orphan is announced by a Warning event and counted.
 */
export interface GiveUp {
  /** The CSI snapshot (or group snapshot) name the create used; what to look for on the backend. */
  readonly snapshotName: string | undefined;
  readonly sourceVolumeHandles: readonly string[];
  /** metadata.deletionTimestamp, named in the event. */
  readonly deletionRequestedAt: string;
}

export interface DeleteRequest {
  /** snapshotHandle (single) or volumeGroupSnapshotHandle (group). */
  readonly handle: string;
  /** Group only: the member snapshot ids to delete with the group. */
  readonly memberHandles: readonly string[];
  readonly secret: SecretRef | null;
}

export interface RefreshRequest {
  readonly handle: string;
  readonly memberHandles: readonly string[];
  readonly secret: SecretRef | null;
  /** 'assume-ready': the driver cannot list snapshots, so upstream reports it ready without a call. */
  readonly mode: 'rpc' | 'assume-ready';
}

/** An invalid object or input: written to status.error and announced by a Warning event. */
/** What failed on the delete path (upstream's fixed event texts differ by it). */
export type DeleteFailureKind = 'credentials' | 'delete' | 'clear-status';

export interface Failure {
  readonly phase: Phase;
  /** Set on the delete path: classification reads this, never the message or a reason text. */
  readonly deleteKind?: DeleteFailureKind;
  readonly eventReason: string;
  /** The full status.error.message (upstream's prefix and text, then our remedy). */
  readonly message: string;
  /** The event message; equal to message except for upstream's fixed delete-path texts. */
  readonly eventMessage: string;
}

export type Action =
  /** Not this sidecar's object (other driver, no source): never touched, never requeued. */
  | { readonly type: 'ignore'; readonly reason: string }
  /** Nothing left to do until the object changes. */
  | { readonly type: 'done'; readonly reason: string }
  /** Another component must act first; re-check on the poll schedule (the watch may never tell us). */
  | { readonly type: 'wait'; readonly reason: string }
  /**
   * Records the intent to create. `secret` is read first (upstream getCSISnapshotInput runs before
   * the annotation): a Secret that cannot be read fails the step without writing the annotation.
   */
  | { readonly type: 'mark-being-created'; readonly reason: string; readonly phase: 'create' | 'check'; readonly secret: SecretRef | null }
  | { readonly type: 'unmark-being-created'; readonly reason: string }
  /** `giveUp` set: if this create does not succeed or fail finally, release the annotation (see GiveUp). */
  | { readonly type: 'create'; readonly reason: string; readonly phase: 'create' | 'check'; readonly request: CreateRequest; readonly giveUp?: GiveUp }
  /** No create can be issued any more (inputs became invalid) and the give-up bound has passed. */
  | { readonly type: 'abandon-create'; readonly reason: string; readonly giveUp: GiveUp }
  | { readonly type: 'refresh'; readonly reason: string; readonly request: RefreshRequest }
  | { readonly type: 'delete-backend'; readonly reason: string; readonly request: DeleteRequest }
  | { readonly type: 'remove-finalizer'; readonly reason: string }
  | { readonly type: 'fail'; readonly reason: string; readonly failure: Failure };

export type ActionType = Action['type'];
