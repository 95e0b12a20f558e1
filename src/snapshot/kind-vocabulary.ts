// What differs between a VolumeSnapshotContent and a VolumeGroupSnapshotContent as far as the
// decision and its messages go: annotation and finalizer keys, event reasons and message prefixes.
// Keeping them in one record lets one decide() serve both kinds (upstream drifted with two copies).

import { goQuote } from '../base/go-quote.js';
import * as K from './keys.js';

export type ContentKind = 'VolumeSnapshotContent' | 'VolumeGroupSnapshotContent';

export interface EventVocabulary {
  readonly reason: string;
  /** Prefix of both the Warning event message and status.error.message. */
  readonly prefix: string;
}

export interface KindVocabulary {
  readonly kind: ContentKind;
  /** 'snapshot' or 'group snapshot', as upstream words its messages. */
  readonly noun: string;
  readonly annBeingCreated: string;
  readonly annBeingDeleted: string;
  readonly annSecretName: string;
  readonly annSecretNamespace: string;
  readonly finalizer: string;
  /** The qualified resource name Kubernetes uses in NotFound messages for the class. */
  readonly classResource: string;
  readonly classField: string;
  readonly createFailed: EventVocabulary;
  readonly checkFailed: EventVocabulary;
  readonly deleteErrorReason: string;
  /** Ours: the Warning event of a create given up on after deletion was requested (possible orphan). */
  readonly createAbandonedReason: string;
  /** The CSI RPC that creates this kind (named in messages about its outcome). */
  readonly createRpc: string;
  /** Class parameters naming the secret for ListSnapshots (single) / GetVolumeGroupSnapshot (group). */
  readonly refreshSecret: { readonly label: string; readonly nameKey: string; readonly namespaceKey: string };
  /** The template variable holding the content name in class secret templates. */
  readonly contentNameVar: string;
  /** --extra-create-metadata keys: (group) snapshot name, namespace, content name. */
  readonly metadataKeys: { readonly name: string; readonly namespace: string; readonly contentName: string };
  /** Upstream's error texts, kept verbatim because users and tools search for them. */
  readonly text: {
    readonly notBound: (content: string) => string;
    readonly noClass: (content: string) => string;
    readonly createFailed: (sourceHandles: readonly string[], inner: string) => string;
    readonly inputParameters: (content: string, inner: string) => string;
    readonly deleteInputParameters: (content: string, inner: string) => string;
    /** ListSnapshots / GetVolumeGroupSnapshot failed (upstream GetSnapshotStatus / GetGroupSnapshotStatus). */
    readonly refreshFailed: (content: string, inner: string) => string;
    readonly refreshHandleMissing: (content: string) => string;
  };
}

export const SINGLE: KindVocabulary = {
  kind: 'VolumeSnapshotContent',
  noun: 'snapshot',
  annBeingCreated: K.ANN_BEING_CREATED,
  annBeingDeleted: K.ANN_BEING_DELETED,
  annSecretName: K.ANN_DELETION_SECRET_NAME,
  annSecretNamespace: K.ANN_DELETION_SECRET_NAMESPACE,
  finalizer: K.FINALIZER_CONTENT,
  classResource: 'volumesnapshotclass.snapshot.storage.k8s.io',
  classField: 'spec.volumeSnapshotClassName',
  createFailed: { reason: 'SnapshotCreationFailed', prefix: 'Failed to create snapshot: ' },
  checkFailed: { reason: 'SnapshotContentCheckandUpdateFailed', prefix: 'Failed to check and update snapshot content: ' },
  deleteErrorReason: 'SnapshotDeleteError',
  createAbandonedReason: 'SnapshotCreationAbandoned',
  createRpc: 'CreateSnapshot',
  refreshSecret: { label: 'SnapshotterList', nameKey: K.PARAM_LIST_SECRET_NAME, namespaceKey: K.PARAM_LIST_SECRET_NAMESPACE },
  contentNameVar: 'volumesnapshotcontent.name',
  metadataKeys: { name: K.META_SNAPSHOT_NAME, namespace: K.META_SNAPSHOT_NAMESPACE, contentName: K.META_CONTENT_NAME },
  text: {
    notBound: (c) => `cannot create snapshot. Snapshot content ${c} not bound to a snapshot`,
    noClass: (c) => `failed to take snapshot ${c} without a snapshot class`,
    createFailed: (h, inner) => `failed to take snapshot of the volume ${h.join(' ')}: ${goQuote(inner)}`,
    inputParameters: (c, inner) => `failed to get input parameters to create snapshot for content ${c}: ${goQuote(inner)}`,
    deleteInputParameters: (c, inner) => `failed to get input parameters to delete snapshot for content ${c}: ${goQuote(inner)}`,
    refreshFailed: (c, inner) => `failed to list snapshot for content ${c}: ${goQuote(inner)}`,
    refreshHandleMissing: (c) => `failed to list snapshot for content ${c}: snapshotHandle is missing`,
  },
};

export const GROUP: KindVocabulary = {
  kind: 'VolumeGroupSnapshotContent',
  noun: 'group snapshot',
  annBeingCreated: K.ANN_GROUP_BEING_CREATED,
  annBeingDeleted: K.ANN_GROUP_BEING_DELETED,
  annSecretName: K.ANN_GROUP_DELETION_SECRET_NAME,
  annSecretNamespace: K.ANN_GROUP_DELETION_SECRET_NAMESPACE,
  finalizer: K.FINALIZER_GROUP_CONTENT,
  classResource: 'volumegroupsnapshotclass.groupsnapshot.storage.k8s.io',
  classField: 'spec.volumeGroupSnapshotClassName',
  createFailed: { reason: 'GroupSnapshotCreationFailed', prefix: 'Failed to create group snapshot: ' },
  checkFailed: {
    reason: 'GroupSnapshotContentCheckandUpdateFailed',
    prefix: 'Failed to check and update group snapshot content: ',
  },
  deleteErrorReason: 'GroupSnapshotDeleteError',
  createAbandonedReason: 'GroupSnapshotCreationAbandoned',
  createRpc: 'CreateVolumeGroupSnapshot',
  refreshSecret: {
    label: 'GroupSnapshotterGet',
    nameKey: K.PARAM_GROUP_GET_SECRET_NAME,
    namespaceKey: K.PARAM_GROUP_GET_SECRET_NAMESPACE,
  },
  contentNameVar: 'volumegroupsnapshotcontent.name',
  metadataKeys: { name: K.META_GROUP_NAME, namespace: K.META_GROUP_NAMESPACE, contentName: K.META_GROUP_CONTENT_NAME },
  text: {
    notBound: (c) => `cannot create group snapshot. Group snapshot content ${c} not bound to a group snapshot`,
    noClass: (c) => `failed to take group snapshot ${c} without a group snapshot class`,
    // Go formats the []string of volume handles as [h1 h2].
    createFailed: (h, inner) => `failed to take group snapshot of the volumes [${h.join(' ')}]: ${goQuote(inner)}`,
    inputParameters: (c, inner) => `failed to get input parameters to create group snapshot for content ${c}: ${goQuote(inner)}`,
    deleteInputParameters: (c, inner) => `failed to get input parameters to delete group snapshot for content ${c}: ${goQuote(inner)}`,
    refreshFailed: (c, inner) => `failed to list group snapshot for group snapshot content ${c}: ${goQuote(inner)}`,
    refreshHandleMissing: (c) => `failed to list group snapshot for group snapshot content ${c}: groupSnapshotHandle is missing`,
  },
};
