// The part of a ContentView both content kinds build the same way: the deletion and binding
// fields, and the annotations and finalizer this sidecar reads, named by the kind's vocabulary.
// Each kind adapter passes only what differs (class field, bound reference, source, status).

import type { ObjectMeta, ObjectReference } from '../kube/types.js';
import type { ContentView, SourceView, StatusView } from '../snapshot/content-view.js';
import type { KindVocabulary } from '../snapshot/kind-vocabulary.js';

/** What a content of either kind carries at the same place. */
export interface ContentShape {
  readonly metadata: ObjectMeta;
  readonly spec: { readonly deletionPolicy: string; readonly driver: string };
}

/** The fields a kind reads from its own places. */
export interface KindViewFields {
  readonly className: string | undefined;
  /** spec.volumeSnapshotRef or spec.volumeGroupSnapshotRef. */
  readonly boundRef: ObjectReference | undefined;
  readonly source: SourceView;
  readonly groupMember: boolean;
  readonly status: StatusView | undefined;
}

export function contentView(vocabulary: KindVocabulary, obj: ContentShape, own: KindViewFields): ContentView {
  const meta = obj.metadata;
  const ann = meta.annotations ?? {};
  return {
    vocabulary,
    name: meta.name,
    deleting: meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null,
    deletionTimestamp: meta.deletionTimestamp ?? undefined,
    deletionPolicy: obj.spec.deletionPolicy,
    driver: obj.spec.driver,
    className: own.className,
    boundUid: own.boundRef?.uid ?? '',
    boundName: own.boundRef?.name ?? '',
    boundNamespace: own.boundRef?.namespace ?? '',
    source: own.source,
    beingCreated: vocabulary.annBeingCreated in ann,
    beingDeleted: vocabulary.annBeingDeleted in ann,
    groupMember: own.groupMember,
    hasFinalizer: (meta.finalizers ?? []).includes(vocabulary.finalizer),
    secretAnnotations: { name: ann[vocabulary.annSecretName], namespace: ann[vocabulary.annSecretNamespace] },
    status: own.status,
  };
}
