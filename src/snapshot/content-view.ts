// The kind-neutral picture of one content object that decide() reads. kinds/ builds it from a
// VolumeSnapshotContent or a VolumeGroupSnapshotContent; nothing here knows the API shapes.

import type { KindVocabulary } from './kind-vocabulary.js';

/** How the backend object came to be. */
export type SourceView =
  /** Dynamic: we create it from these source volume(s). */
  | { readonly type: 'dynamic'; readonly volumeHandles: readonly string[] }
  /** Pre-provisioned: the backend object exists; we only read its state. */
  | { readonly type: 'pre-provisioned'; readonly handle: string; readonly memberHandles: readonly string[] }
  /** No usable source (upstream ignores such objects entirely). */
  | { readonly type: 'none' };

export interface StatusView {
  /** snapshotHandle (single) or volumeGroupSnapshotHandle (group). */
  readonly handle: string | undefined;
  /** Single only: the group this snapshot belongs to (status.volumeGroupSnapshotHandle). */
  readonly groupHandle: string | undefined;
  readonly readyToUse: boolean | undefined;
  readonly errorMessage: string | undefined;
  /** Group only: snapshotHandles of status.volumeSnapshotInfoList. */
  readonly memberHandles: readonly string[];
}

export interface SecretAnnotations {
  /** undefined when the annotation is absent; '' when present but empty. */
  readonly name: string | undefined;
  readonly namespace: string | undefined;
}

export interface ContentView {
  readonly vocabulary: KindVocabulary;
  readonly name: string;
  readonly deleting: boolean;
  /** metadata.deletionTimestamp as the API wrote it (RFC 3339); undefined when not deleting. */
  readonly deletionTimestamp: string | undefined;
  readonly deletionPolicy: string;
  readonly driver: string;
  readonly className: string | undefined;
  /** UID, name and namespace of the bound (Group)VolumeSnapshot; uid '' when unbound. */
  readonly boundUid: string;
  readonly boundName: string;
  readonly boundNamespace: string;
  readonly source: SourceView;
  readonly beingCreated: boolean;
  readonly beingDeleted: boolean;
  /** Single only: a member of a dynamic group snapshot (never CreateSnapshot'ed or deleted alone). */
  readonly groupMember: boolean;
  readonly hasFinalizer: boolean;
  readonly secretAnnotations: SecretAnnotations;
  readonly status: StatusView | undefined;
}

export interface ClassView {
  readonly name: string;
  readonly driver: string;
  readonly parameters: Readonly<Record<string, string>>;
}

/**
 * Whether this sidecar handles the content: upstream isDriverMatch minus the class check (decide()
 * reports a class of another driver as a status error instead of skipping the content).
 */
export function isOurContent(view: ContentView, driverName: string): boolean {
  return view.driver === driverName && view.source.type !== 'none';
}
