// Plain-object builders for decide() tests: a ready-to-bind dynamic content by default, changed
// per row with a partial override.
import type { ContentView, StatusView } from '../../../src/snapshot/content-view.js';
import type { DecisionContext } from '../../../src/snapshot/decide.js';
import { GROUP, SINGLE, type KindVocabulary } from '../../../src/snapshot/kind-vocabulary.js';

export const DRIVER = 'csi-mock-plugin';
/** The decision time of every context(); deletion timestamps are set relative to it. */
export const NOW_MS = Date.UTC(2026, 10, 23, 12);

export function status(over: Partial<StatusView> = {}): StatusView {
  return { handle: undefined, groupHandle: undefined, readyToUse: undefined, errorMessage: undefined, memberHandles: [], ...over };
}

export function view(over: Partial<ContentView> = {}, vocabulary: KindVocabulary = SINGLE): ContentView {
  return {
    vocabulary,
    name: 'content1',
    deleting: false,
    deletionTimestamp: undefined,
    deletionPolicy: 'Delete',
    driver: DRIVER,
    className: 'gold',
    boundUid: 'snapuid1',
    boundName: 'snap1',
    boundNamespace: 'ns1',
    source: { type: 'dynamic', volumeHandles: vocabulary === GROUP ? ['vh1', 'vh2'] : ['vh1'] },
    beingCreated: false,
    beingDeleted: false,
    groupMember: false,
    hasFinalizer: true,
    secretAnnotations: { name: undefined, namespace: undefined },
    status: undefined,
    ...over,
  };
}

export function context(over: Partial<DecisionContext> = {}): DecisionContext {
  const classes: Record<string, { name: string; driver: string; parameters: Record<string, string> }> = {
    gold: { name: 'gold', driver: DRIVER, parameters: { param1: 'value1', 'csi.storage.k8s.io/snapshotter-secret-name': '${volumesnapshotcontent.name}' } },
    other: { name: 'other', driver: 'other.csi.k8s.io', parameters: {} },
    reserved: { name: 'reserved', driver: DRIVER, parameters: { 'csi.storage.k8s.io/bim': 'x' } },
    'list-secret': {
      name: 'list-secret',
      driver: DRIVER,
      parameters: {
        'csi.storage.k8s.io/snapshotter-list-secret-name': 'secret-${volumesnapshotcontent.name}',
        'csi.storage.k8s.io/snapshotter-list-secret-namespace': 'ns-list',
        'csi.storage.k8s.io/group-snapshotter-get-secret-name': 'get-${volumegroupsnapshotcontent.name}',
        'csi.storage.k8s.io/group-snapshotter-get-secret-namespace': 'ns-get',
      },
    },
  };
  return {
    driverName: DRIVER,
    listSnapshotsSupported: true,
    namePrefix: 'snapshot',
    nameUuidLength: -1,
    extraCreateMetadata: true,
    classByName: (name) => classes[name],
    nowMs: NOW_MS,
    createGiveUpMs: 5 * 60_000,
    ...over,
  };
}

export { GROUP, SINGLE };
