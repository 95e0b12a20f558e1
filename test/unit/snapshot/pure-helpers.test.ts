import { describe, expect, test } from '@jest/globals';
import { classifyChange, type ObjectLike } from '../../../src/snapshot/change-filter.js';
import { classifyCreateError, type GrpcCodeName } from '../../../src/snapshot/error-class.js';
import { ANN_BEING_CREATED, ANN_BEING_DELETED } from '../../../src/snapshot/keys.js';
import { removePrefixedParameters } from '../../../src/snapshot/parameters.js';
import { secretFromAnnotations, secretFromClassParameters } from '../../../src/snapshot/secret-reference.js';
import { makeSnapshotName } from '../../../src/snapshot/snapshot-name.js';

describe('removePrefixedParameters (upstream TestRemovePrefixedCSIParams, scenario 29)', () => {
  test.each([
    ['non-reserved keys pass unchanged', { csiFoo: 'bar', bim: 'baz' }, { ok: true, parameters: { csiFoo: 'bar', bim: 'baz' } }],
    ['one known reserved key is removed', { 'csi.storage.k8s.io/snapshotter-secret-name': 'x', a: 'b' }, { ok: true, parameters: { a: 'b' } }],
    [
      'all four snapshotter/list keys → {}',
      {
        'csi.storage.k8s.io/snapshotter-secret-name': 'a',
        'csi.storage.k8s.io/snapshotter-secret-namespace': 'b',
        'csi.storage.k8s.io/snapshotter-list-secret-name': 'c',
        'csi.storage.k8s.io/snapshotter-list-secret-namespace': 'd',
      },
      { ok: true, parameters: {} },
    ],
    ['empty → {}', {}, { ok: true, parameters: {} }],
  ])('%s', (_n, input, expected) => {
    expect(removePrefixedParameters(input)).toEqual(expected);
  });
  test('an unknown reserved key is an error naming it', () => {
    expect(removePrefixedParameters({ 'csi.storage.k8s.io/bim': 'x' })).toEqual({
      ok: false,
      error: 'found unknown parameter key "csi.storage.k8s.io/bim" with reserved namespace csi.storage.k8s.io/',
    });
  });
});

describe('secretFromClassParameters (upstream TestGetSecretReference, scenario 30)', () => {
  const opts = {
    label: 'SnapshotterList',
    nameKey: 'csi.storage.k8s.io/snapshotter-list-secret-name',
    namespaceKey: 'csi.storage.k8s.io/snapshotter-list-secret-namespace',
    vars: { 'volumesnapshotcontent.name': 'content1' },
  };
  test('no params → no secret', () => expect(secretFromClassParameters({}, opts)).toEqual({ ok: true, ref: null }));
  test('namespace only → error', () => {
    const r = secretFromClassParameters({ [opts.namespaceKey]: 'ns' }, opts);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toBe('either name and namespace for SnapshotterList secrets specified, Both must be specified');
  });
  test('name and namespace → reference', () => {
    expect(secretFromClassParameters({ [opts.nameKey]: 'name', [opts.namespaceKey]: 'ns' }, opts)).toEqual({ ok: true, ref: { name: 'name', namespace: 'ns' } });
  });
  test('template of the content name resolves', () => {
    expect(secretFromClassParameters({ [opts.nameKey]: '${volumesnapshotcontent.name}-s', [opts.namespaceKey]: 'ns' }, opts)).toEqual({
      ok: true,
      ref: { name: 'content1-s', namespace: 'ns' },
    });
  });
  test('"bad name" → error', () => expect(secretFromClassParameters({ [opts.nameKey]: 'bad name', [opts.namespaceKey]: 'ns' }, opts).ok).toBe(false));
  test('unknown token → invalid tokens', () => {
    const r = secretFromClassParameters({ [opts.nameKey]: "${volumesnapshot.annotations['akey']}", [opts.namespaceKey]: 'ns' }, opts);
    expect(!r.ok && r.error).toBe("invalid tokens: [volumesnapshot.annotations['akey']]");
  });
  test('empty value → error', () => expect(secretFromClassParameters({ [opts.nameKey]: '', [opts.namespaceKey]: 'ns' }, opts).ok).toBe(false));
});

describe('secretFromAnnotations', () => {
  const opts = { noun: 'snapshot', contentName: 'c', nameKey: 'n', namespaceKey: 'ns' };
  test('both absent → none', () => expect(secretFromAnnotations({ name: undefined, namespace: undefined }, opts)).toEqual({ ok: true, ref: null }));
  test('both set → reference', () => expect(secretFromAnnotations({ name: 'a', namespace: 'b' }, opts)).toEqual({ ok: true, ref: { name: 'a', namespace: 'b' } }));
  test('one missing → error naming the missing annotation', () => {
    const r = secretFromAnnotations({ name: 'a', namespace: undefined }, opts);
    expect(!r.ok && r.error).toContain('annotation ns is missing');
  });
});

describe('makeSnapshotName', () => {
  test.each([
    [-1, 'snapshot-0c9d-11ee'],
    [0, 'snapshot-'],
    [4, 'snapshot-0c9d'],
    [8, 'snapshot-0c9d11ee'],
  ])('length %d', (len, expected) => {
    expect(makeSnapshotName('snapshot', '0c9d-11ee', len, 'missing')).toEqual({ ok: true, name: expected });
  });
  test('longer than the UID is an error, not a crash', () => expect(makeSnapshotName('s', 'ab-cd', 5, 'm').ok).toBe(false));
  test('empty UID → the given error', () => expect(makeSnapshotName('s', '', -1, 'missing UID')).toEqual({ ok: false, error: 'missing UID' }));
});

describe('classifyCreateError', () => {
  test.each<[GrpcCodeName | undefined, string]>([
    ['Canceled', 'transient'],
    ['DeadlineExceeded', 'transient'],
    ['Unavailable', 'transient'],
    ['ResourceExhausted', 'transient'],
    ['Aborted', 'transient'],
    ['InvalidArgument', 'final'],
    ['NotFound', 'final'],
    ['AlreadyExists', 'final'],
    ['FailedPrecondition', 'final'],
    ['Unimplemented', 'final'],
    ['PermissionDenied', 'final'],
    ['Unauthenticated', 'final'],
    ['OutOfRange', 'final'],
    ['Internal', 'ambiguous'],
    ['Unknown', 'ambiguous'],
    ['DataLoss', 'ambiguous'],
    [undefined, 'ambiguous'],
  ])('%s → %s', (code, expected) => expect(classifyCreateError(code)).toBe(expected));
});

describe('classifyChange (upstream TestShouldEnqueueContentChange, scenarios 22–23)', () => {
  const base: ObjectLike & Record<string, unknown> = {
    metadata: { name: 'c', resourceVersion: '1', annotations: { a: 'b' }, finalizers: ['f'] } as ObjectLike['metadata'],
    spec: { volumeSnapshotClassName: 'gold' },
    status: { readyToUse: false },
  };
  const bump = (o: ObjectLike, meta: Record<string, unknown> = {}, rest: Record<string, unknown> = {}): ObjectLike =>
    ({ ...o, ...rest, metadata: { ...o.metadata, resourceVersion: '2', ...meta } }) as ObjectLike;
  const opts = { ownAnnotation: ANN_BEING_CREATED, isOwnWrite: (rv: string) => rv === '99' };
  test.each<[string, ObjectLike, string]>([
    ['no change but a new RV', bump(base), 'ignore'],
    ['status only', bump(base, {}, { status: { readyToUse: false, snapshotHandle: 'h' } }), 'ignore'],
    ['finalizers only', bump(base, { finalizers: [] }), 'ignore'],
    ['managedFields only', bump(base, { managedFields: [{ x: 1 }] }), 'ignore'],
    ['being-created annotation added', bump(base, { annotations: { a: 'b', [ANN_BEING_CREATED]: 'yes' } }), 'ignore'],
    ['spec change', bump(base, {}, { spec: { volumeSnapshotClassName: 'silver' } }), 'changed'],
    ['other annotation changed', bump(base, { annotations: { a: 'c' } }), 'changed'],
    ['being-deleted annotation added', bump(base, { annotations: { a: 'b', [ANN_BEING_DELETED]: 'yes' } }), 'changed'],
    ['deletionTimestamp set', bump(base, { deletionTimestamp: '2026-01-01T00:00:00Z' }), 'changed'],
    ['readyToUse false → true by someone else', bump(base, {}, { status: { readyToUse: true } }), 'changed'],
    ['same RV: resync', { ...base }, 'resync'],
    ['our own write (RV we wrote)', { ...bump(base, { resourceVersion: '99', annotations: { x: 'y' } }) }, 'ignore'],
  ])('%s → %s', (_n, next, expected) => expect(classifyChange(base, next, opts)).toBe(expected));
});
