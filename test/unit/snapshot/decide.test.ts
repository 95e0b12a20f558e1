// decide() as tables of plain objects. Shared rows run through both kinds (single and group), so
// a behaviour cannot be fixed for one kind and forgotten for the other.
import { describe, expect, test } from '@jest/globals';
import type { Action } from '../../../src/snapshot/action.js';
import type { ContentView } from '../../../src/snapshot/content-view.js';
import { decide, shouldDelete, type DecisionContext } from '../../../src/snapshot/decide.js';
import type { KindVocabulary } from '../../../src/snapshot/kind-vocabulary.js';
import { context, DRIVER, GROUP, NOW_MS, SINGLE, status, view } from './view-builder.js';

const GIVE_UP = 5 * 60_000;
/** An RFC 3339 deletionTimestamp `offsetMs` from the decision time. */
const AT = (offsetMs: number): string => new Date(NOW_MS + offsetMs).toISOString();

interface Row {
  readonly name: string;
  readonly view: Partial<ContentView>;
  readonly ctx?: Partial<DecisionContext>;
  readonly expect: Action['type'];
}

const sharedRows: readonly Row[] = [
  { name: 'no source: ignored', view: { source: { type: 'none' } }, expect: 'ignore' },
  { name: 'another driver: ignored', view: { driver: 'other' }, expect: 'ignore' },
  { name: 'new dynamic content: record intent first', view: {}, expect: 'mark-being-created' },
  { name: 'intent recorded: create', view: { beingCreated: true }, expect: 'create' },
  { name: 'ready with leftover annotation: remove it', view: { beingCreated: true, status: status({ handle: 'h', readyToUse: true }) }, expect: 'unmark-being-created' },
  { name: 'ready: done, no driver call', view: { status: status({ handle: 'h', readyToUse: true }) }, expect: 'done' },
  { name: 'not ready with handle: poll by re-issuing create, no annotation', view: { status: status({ handle: 'h', readyToUse: false }) }, expect: 'create' },
  { name: 'not ready with handle and annotation: drop the annotation first', view: { beingCreated: true, status: status({ handle: 'h', readyToUse: false }) }, expect: 'unmark-being-created' },
  { name: 'error-only status: retry create, marking first', view: { status: status({ readyToUse: false, errorMessage: 'x' }) }, expect: 'mark-being-created' },
  { name: 'no class: fail before any annotation', view: { className: undefined }, expect: 'fail' },
  { name: 'class not found: fail', view: { className: 'missing' }, expect: 'fail' },
  { name: 'class of another driver: fail', view: { className: 'other' }, expect: 'fail' },
  { name: 'unknown reserved parameter: fail', view: { className: 'reserved' }, expect: 'fail' },
  { name: 'unbound: fail before any annotation', view: { boundUid: '' }, expect: 'fail' },
  { name: 'half-set secret annotations: fail', view: { secretAnnotations: { name: 's', namespace: undefined } }, expect: 'fail' },
  { name: 'empty secret annotations: fail', view: { secretAnnotations: { name: '', namespace: '' } }, expect: 'fail' },
  { name: 'deleting + being-deleted + Delete + handle: delete on the backend', view: { deleting: true, beingDeleted: true, status: status({ handle: 'h', readyToUse: true, memberHandles: ['m1'] }) }, expect: 'delete-backend' },
  { name: 'deleting + being-deleted + Retain: only the finalizer', view: { deleting: true, beingDeleted: true, deletionPolicy: 'Retain', status: status({ handle: 'h', readyToUse: true }) }, expect: 'remove-finalizer' },
  { name: 'deleting + handle cleared: only the finalizer', view: { deleting: true, beingDeleted: true, status: status({}) }, expect: 'remove-finalizer' },
  { name: 'deleting, finalizer gone: done', view: { deleting: true, beingDeleted: true, hasFinalizer: false, status: status({}) }, expect: 'done' },
  { name: 'deleting while being created: finish the create first', view: { deleting: true, beingDeleted: true, beingCreated: true }, expect: 'create' },
  { name: 'deleting without being-deleted, ready: wait for the snapshot-controller', view: { deleting: true, status: status({ handle: 'h', readyToUse: true }) }, expect: 'wait' },
  { name: 'deleting with half-set secret annotations: fail, no RPC', view: { deleting: true, beingDeleted: true, secretAnnotations: { name: 's', namespace: undefined }, status: status({ handle: 'h', memberHandles: ['m'] }) }, expect: 'fail' },
  { name: 'unbound pre-provisioned being deleted: delete', view: { deleting: true, boundUid: '', source: { type: 'pre-provisioned', handle: 'h', memberHandles: ['m'] } }, expect: 'delete-backend' },
  { name: 'pre-provisioned not ready: refresh', view: { source: { type: 'pre-provisioned', handle: 'h', memberHandles: ['m'] } }, expect: 'refresh' },
  { name: 'pre-provisioned ready, not deleting: done', view: { source: { type: 'pre-provisioned', handle: 'h', memberHandles: ['m'] }, status: status({ handle: 'h', readyToUse: true }) }, expect: 'done' },
  { name: 'pre-provisioned Retain being deleted: finalizer only', view: { deleting: true, beingDeleted: true, deletionPolicy: 'Retain', source: { type: 'pre-provisioned', handle: 'h', memberHandles: ['m'] } }, expect: 'remove-finalizer' },
  { name: 'pre-provisioned with a missing class: fail', view: { className: 'missing', source: { type: 'pre-provisioned', handle: 'h', memberHandles: ['m'] } }, expect: 'fail' },
  // Issue 13 item 3: the spec handle stands in whenever status has none.
  { name: 'pre-provisioned Delete with an error-only status: delete by the spec handle', view: { deleting: true, beingDeleted: true, source: { type: 'pre-provisioned', handle: 'h', memberHandles: ['m'] }, status: status({ readyToUse: false, errorMessage: 'driver down' }) }, expect: 'delete-backend' },
  { name: 'pre-provisioned Delete after our own status clear: delete again (idempotent)', view: { deleting: true, beingDeleted: true, source: { type: 'pre-provisioned', handle: 'h', memberHandles: ['m'] }, status: status({}) }, expect: 'delete-backend' },
  { name: 'pre-provisioned with a stray being-created annotation, being deleted: delete', view: { deleting: true, beingDeleted: true, beingCreated: true, source: { type: 'pre-provisioned', handle: 'h', memberHandles: ['m'] } }, expect: 'delete-backend' },
  // Issue 13 item 2: a create with no final answer blocks a requested deletion only until the bound.
  { name: 'deleting while being created, within the give-up bound: re-issue the create', view: { deleting: true, deletionTimestamp: AT(-GIVE_UP + 1), beingDeleted: true, beingCreated: true }, expect: 'create' },
  { name: 'deleting while being created, past the bound: still one more create (with giveUp)', view: { deleting: true, deletionTimestamp: AT(-GIVE_UP), beingDeleted: true, beingCreated: true }, expect: 'create' },
  { name: 'deleting while being created, class gone, within the bound: fail', view: { deleting: true, deletionTimestamp: AT(-1000), beingDeleted: true, beingCreated: true, className: 'missing' }, expect: 'fail' },
  { name: 'deleting while being created, class gone, past the bound: abandon the create', view: { deleting: true, deletionTimestamp: AT(-GIVE_UP), beingDeleted: true, beingCreated: true, className: 'missing' }, expect: 'abandon-create' },
  { name: 'deleting while being created, unbound, past the bound: abandon the create', view: { deleting: true, deletionTimestamp: AT(-GIVE_UP), beingDeleted: true, beingCreated: true, boundUid: '' }, expect: 'abandon-create' },
  { name: 'deleting while being created, unparseable deletionTimestamp: counts as past the bound', view: { deleting: true, deletionTimestamp: 'yesterday', beingDeleted: true, beingCreated: true, className: 'missing' }, expect: 'abandon-create' },
  { name: 'not deleting, being created, class gone: fail, the annotation is never released', view: { beingCreated: true, className: 'missing' }, expect: 'fail' },
];

describe.each([
  ['VolumeSnapshotContent', SINGLE],
  ['VolumeGroupSnapshotContent', GROUP],
] as const)('decide: %s', (_kind, vocabulary: KindVocabulary) => {
  test.each(sharedRows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    expect(decide(view(row.view, vocabulary), context(row.ctx)).type).toBe(row.expect);
  });
});

describe('decide: create requests', () => {
  test('create basic (upstream 1-2): name snapshot-<VolumeSnapshot UID>, reserved secret keys stripped, metadata keys added', () => {
    const a = decide(view({ beingCreated: true }), context());
    expect(a).toEqual({
      type: 'create',
      reason: 'no status yet',
      phase: 'create',
      request: {
        name: 'snapshot-snapuid1',
        sourceVolumeHandles: ['vh1'],
        parameters: {
          param1: 'value1',
          'csi.storage.k8s.io/volumesnapshot/name': 'snap1',
          'csi.storage.k8s.io/volumesnapshot/namespace': 'ns1',
          'csi.storage.k8s.io/volumesnapshotcontent/name': 'content1',
        },
        secret: null,
      },
    });
  });
  test('group create uses the group prefix and group metadata keys', () => {
    const a = decide(view({ beingCreated: true }, GROUP), context({ namePrefix: 'groupsnapshot' }));
    if (a.type !== 'create') throw new Error(`expected create, got ${a.type}`);
    expect(a.request.name).toBe('groupsnapshot-snapuid1');
    expect(a.request.sourceVolumeHandles).toEqual(['vh1', 'vh2']);
    expect(Object.keys(a.request.parameters)).toContain('csi.storage.k8s.io/volumegroupsnapshot/name');
  });
  test('valid secret annotations (upstream 1-4) are passed as the secret reference', () => {
    const a = decide(view({ beingCreated: true, secretAnnotations: { name: 'secret', namespace: 'default' } }), context());
    expect(a.type === 'create' && a.request.secret).toEqual({ namespace: 'default', name: 'secret' });
  });
  test('without --extra-create-metadata only class parameters are sent', () => {
    const a = decide(view({ beingCreated: true }), context({ extraCreateMetadata: false }));
    expect(a.type === 'create' && a.request.parameters).toEqual({ param1: 'value1' });
  });
  test('uuid length truncates the dash-less UID', () => {
    const a = decide(view({ beingCreated: true, boundUid: 'aaaa-bbbb-cccc' }), context({ nameUuidLength: 6 }));
    expect(a.type === 'create' && a.request.name).toBe('snapshot-aaaabb');
  });
  test('a poll after an error-only status is phase check', () => {
    const a = decide(view({ beingCreated: true, status: status({ readyToUse: false, errorMessage: 'x' }) }), context());
    expect(a.type === 'create' && a.phase).toBe('check');
  });
});

describe('decide: failure messages name the object, keep upstream text, and add a remedy', () => {
  test('empty deletion-secret annotations (upstream 1-3) on an existing status', () => {
    const a = decide(view({ name: 'content1-3', secretAnnotations: { name: '', namespace: '' }, status: status({}) }), context());
    if (a.type !== 'fail') throw new Error(a.type);
    expect(a.failure.eventReason).toBe('SnapshotContentCheckandUpdateFailed');
    expect(a.failure.message.startsWith(
      'Failed to check and update snapshot content: failed to get input parameters to create snapshot for content content1-3: "cannot retrieve secrets for snapshot content \\"content1-3\\", err: secret name or namespace not specified"',
    )).toBe(true);
    expect(a.failure.message).toContain('Remedy: set both annotations snapshot.storage.kubernetes.io/deletion-secret-name');
  });
  test('missing class (upstream 1-6) with a handle in status', () => {
    const a = decide(view({ className: 'bad-class', status: status({ handle: 'sid', readyToUse: false }) }), context());
    if (a.type !== 'fail') throw new Error(a.type);
    expect(a.failure.message).toContain('volumesnapshotclass.snapshot.storage.k8s.io \\"bad-class\\" not found');
    expect(a.failure.phase).toBe('check');
  });
  test('no class on a new content: SnapshotCreationFailed', () => {
    const a = decide(view({ className: undefined }), context());
    if (a.type !== 'fail') throw new Error(a.type);
    expect(a.failure.eventReason).toBe('SnapshotCreationFailed');
    expect(a.failure.message).toContain('failed to take snapshot content1 without a snapshot class');
  });
  test('unbound group content uses the group wording', () => {
    const a = decide(view({ boundUid: '' }, GROUP), context());
    if (a.type !== 'fail') throw new Error(a.type);
    expect(a.failure.eventReason).toBe('GroupSnapshotCreationFailed');
    expect(a.failure.message).toContain('failed to take group snapshot of the volumes [vh1 vh2]: "cannot create group snapshot. Group snapshot content content1 not bound to a group snapshot"');
  });
  test('delete credential failure: upstream fixed event text, detail in status', () => {
    const a = decide(view({ deleting: true, beingDeleted: true, secretAnnotations: { name: '', namespace: '' }, status: status({ handle: 'h' }) }), context());
    if (a.type !== 'fail') throw new Error(a.type);
    expect(a.failure.eventReason).toBe('SnapshotDeleteError');
    expect(a.failure.eventMessage).toBe('Failed to get snapshot credentials');
    expect(a.failure.message).toContain('failed to get input parameters to delete snapshot for content content1');
  });
});

describe('decide: deletion', () => {
  test('dynamic delete (upstream 1-1): DeleteSnapshot(status handle) with no secrets', () => {
    const a = decide(view({ deleting: true, beingDeleted: true, status: status({ handle: 'sid', readyToUse: true }) }), context());
    expect(a).toMatchObject({ type: 'delete-backend', request: { handle: 'sid', memberHandles: [], secret: null } });
  });
  test('dynamic delete without a class (upstream 1-15) needs no class', () => {
    const a = decide(view({ className: undefined, deleting: true, beingDeleted: true, status: status({ handle: 'sid' }) }), context());
    expect(a.type).toBe('delete-backend');
  });
  test('group member (upstream 1-16/1-17): no DeleteSnapshot, finalizer only', () => {
    const a = decide(view({ deleting: true, beingDeleted: true, groupMember: true, status: status({ handle: 's', groupHandle: 'g', readyToUse: true }) }), context());
    expect(a.type).toBe('remove-finalizer');
  });
  test('pre-provisioned Delete before its first status write deletes by spec handle (upstream would leak)', () => {
    const a = decide(view({ deleting: true, beingDeleted: true, source: { type: 'pre-provisioned', handle: 'ph', memberHandles: [] } }), context());
    expect(a).toMatchObject({ type: 'delete-backend', request: { handle: 'ph' } });
  });
  test('group delete passes the member snapshot ids from status', () => {
    const a = decide(view({ deleting: true, beingDeleted: true, status: status({ handle: 'g', memberHandles: ['s1', 's2'] }) }, GROUP), context());
    expect(a).toMatchObject({ type: 'delete-backend', request: { handle: 'g', memberHandles: ['s1', 's2'] } });
  });
  test('group delete with no member ids fails with upstream text', () => {
    const a = decide(view({ deleting: true, beingDeleted: true, status: status({ handle: 'g' }) }, GROUP), context());
    expect(a.type === 'fail' && a.failure.message).toContain('No snapshots found in the group snapshot');
  });

  test.each([
    ['no deletionTimestamp', {}, false],
    ['deletionTimestamp + being-deleted', { deleting: true, beingDeleted: true }, true],
    ['deletionTimestamp only', { deleting: true }, false],
    ['unbound pre-provisioned + deletionTimestamp', { deleting: true, boundUid: '', source: { type: 'pre-provisioned', handle: 'h', memberHandles: [] } }, true],
    ['being-created wins over being-deleted', { deleting: true, beingDeleted: true, beingCreated: true }, false],
  ] as const)('shouldDelete (upstream TestShouldDelete / 31): %s', (_n, over, expected) => {
    expect(shouldDelete(view(over as Partial<ContentView>))).toBe(expected);
    expect(shouldDelete(view(over as Partial<ContentView>, GROUP))).toBe(expected);
  });
});

describe('decide: refresh of pre-provisioned and group-member contents', () => {
  const pre = { source: { type: 'pre-provisioned', handle: 'h', memberHandles: ['m1'] } } as const;
  test('list secret from class templates resolves ${volumesnapshotcontent.name}', () => {
    const a = decide(view({ ...pre, className: 'list-secret' }), context());
    expect(a).toMatchObject({ type: 'refresh', request: { handle: 'h', secret: { namespace: 'ns-list', name: 'secret-content1' }, mode: 'rpc' } });
  });
  test('group get secret from class templates resolves ${volumegroupsnapshotcontent.name}', () => {
    const a = decide(view({ ...pre, className: 'list-secret' }, GROUP), context());
    expect(a).toMatchObject({ type: 'refresh', request: { memberHandles: ['m1'], secret: { namespace: 'ns-get', name: 'get-content1' } } });
  });
  test('driver without LIST_SNAPSHOTS: assume ready without a call (upstream 27)', () => {
    const a = decide(view({ ...pre, className: undefined }), context({ listSnapshotsSupported: false }));
    expect(a.type === 'refresh' && a.request.mode).toBe('assume-ready');
  });
  test('group member with handles uses the deletion-secret annotations', () => {
    const a = decide(
      view({ groupMember: true, className: undefined, secretAnnotations: { name: 's', namespace: 'n' }, status: status({ handle: 'sh', groupHandle: 'g', readyToUse: false }) }),
      context(),
    );
    expect(a).toMatchObject({ type: 'refresh', request: { handle: 'sh', secret: { namespace: 'n', name: 's' } } });
  });
  test('group member without status: wait for the snapshot-controller, never create', () => {
    expect(decide(view({ groupMember: true, className: undefined }), context()).type).toBe('wait');
  });
  test('status handle wins over spec handle', () => {
    const a = decide(view({ ...pre, className: undefined, status: status({ handle: 'from-status', readyToUse: false }) }), context());
    expect(a.type === 'refresh' && a.request.handle).toBe('from-status');
  });
});

test('the driver name in context is the one compared', () => {
  expect(decide(view({ driver: DRIVER }), context({ driverName: 'x' })).type).toBe('ignore');
});

describe('decide: issue 13 details', () => {
  test.each([['VolumeSnapshotContent', SINGLE, 'snapshot'], ['VolumeGroupSnapshotContent', GROUP, 'groupsnapshot']] as const)(
    '%s: the give-up create names the CSI snapshot, the volumes and the deletion time; within the bound it carries no giveUp',
    (_kind, vocabulary, prefix) => {
      const ctx = context({ namePrefix: prefix });
      const past = decide(view({ deleting: true, deletionTimestamp: AT(-GIVE_UP), beingDeleted: true, beingCreated: true }, vocabulary), ctx);
      if (past.type !== 'create') throw new Error(`expected create, got ${past.type}`);
      expect(past.giveUp).toEqual({
        snapshotName: `${prefix}-snapuid1`,
        sourceVolumeHandles: vocabulary === GROUP ? ['vh1', 'vh2'] : ['vh1'],
        deletionRequestedAt: AT(-GIVE_UP),
      });
      const within = decide(view({ deleting: true, deletionTimestamp: AT(-GIVE_UP + 1), beingDeleted: true, beingCreated: true }, vocabulary), ctx);
      if (within.type !== 'create') throw new Error(`expected create, got ${within.type}`);
      expect(within.giveUp).toBeUndefined();
    },
  );

  test('the bound is a context value: a longer --ambiguous-create-give-up keeps waiting', () => {
    const v = view({ deleting: true, deletionTimestamp: AT(-GIVE_UP), beingDeleted: true, beingCreated: true, className: 'missing' });
    expect(decide(v, context({ createGiveUpMs: GIVE_UP + 1 })).type).toBe('fail');
    expect(decide(v, context({ createGiveUpMs: GIVE_UP })).type).toBe('abandon-create');
  });

  test('mark-being-created carries the Secret to read before the annotation is written (item 1)', () => {
    const a = decide(view({ secretAnnotations: { name: 'secret', namespace: 'default' } }), context());
    expect(a).toEqual({ type: 'mark-being-created', reason: 'record intent before the create RPC', phase: 'create', secret: { namespace: 'default', name: 'secret' } });
  });

  test('pre-provisioned Delete with an error-only status deletes the spec handle (item 3)', () => {
    const a = decide(view({ deleting: true, beingDeleted: true, className: undefined, source: { type: 'pre-provisioned', handle: 'spec-h', memberHandles: [] }, status: status({ readyToUse: false, errorMessage: 'x' }) }), context());
    expect(a).toMatchObject({ type: 'delete-backend', request: { handle: 'spec-h' } });
  });

  test('group refresh failures use group wording (item 8)', () => {
    const a = decide(view({ className: 'missing', source: { type: 'pre-provisioned', handle: 'h', memberHandles: ['m'] } }, GROUP), context());
    expect(a.type).toBe('fail');
    expect(GROUP.text.refreshHandleMissing('c')).toBe('failed to list group snapshot for group snapshot content c: groupSnapshotHandle is missing');
    expect(GROUP.text.refreshFailed('c', 'boom')).toBe('failed to list group snapshot for group snapshot content c: "boom"');
    expect(SINGLE.text.refreshFailed('c', 'boom')).toBe('failed to list snapshot for content c: "boom"');
  });
});
