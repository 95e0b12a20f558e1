// The reconciler's metric labels: a pass that ends on a deleting content names why the deletion is
// held up, a failed step names its operation, and the gRPC code comes from the cause chain.
import { describe, expect, test } from '@jest/globals';
import { CsiRpcError } from '../../../src/csi/grpc-errors.js';
import { deletionBlockReason, grpcCodeOf, retryOperation, type DeletionBlockReason } from '../../../src/reconcile/reconcile-observer.js';
import type { Action } from '../../../src/snapshot/action.js';
import type { ContentView } from '../../../src/snapshot/content-view.js';
import { status, view } from '../snapshot/view-builder.js';

const failure = (phase: 'create' | 'check' | 'delete') => ({ phase, eventReason: 'R', message: 'm', eventMessage: 'm' });
const create: Action = { type: 'create', reason: 'r', phase: 'check', request: { name: 'snapshot-1', sourceVolumeHandles: ['vh1'], parameters: {}, secret: null } };
const deleteBackend: Action = { type: 'delete-backend', reason: 'r', request: { handle: 'h', memberHandles: [], secret: null } };
const deleting = (over: Partial<ContentView> = {}): ContentView => view({ deleting: true, deletionTimestamp: '2026-12-06T12:00:00Z', ...over });

describe('deletionBlockReason', () => {
  const rows: readonly { readonly name: string; readonly v: ContentView; readonly action: Action; readonly reason: DeletionBlockReason | undefined }[] = [
    { name: 'not deleting: nothing is blocked', v: view(), action: { type: 'wait', reason: 'r' }, reason: undefined },
    { name: 'ready, waiting for being-deleted', v: deleting({ status: status({ handle: 'h', readyToUse: true }) }), action: { type: 'wait', reason: 'r' }, reason: 'waiting-for-snapshot-controller' },
    { name: 'create re-issued while its outcome is unknown', v: deleting({ beingCreated: true }), action: create, reason: 'create-outcome-unknown' },
    { name: 'create-path failure with the annotation on', v: deleting({ beingCreated: true }), action: { type: 'fail', reason: 'invalid input', failure: failure('check') }, reason: 'create-outcome-unknown' },
    { name: 'create before the snapshot-controller annotated the deletion', v: deleting(), action: { type: 'mark-being-created', reason: 'r', phase: 'create', secret: null }, reason: 'waiting-for-snapshot-controller' },
    { name: 'deletion secret unresolvable', v: deleting({ beingDeleted: true }), action: { type: 'fail', reason: 'r', failure: { ...failure('delete'), deleteKind: 'credentials' } }, reason: 'invalid-credentials' },
    { name: 'group without members', v: deleting({ beingDeleted: true }), action: { type: 'fail', reason: 'no members', failure: { ...failure('delete'), deleteKind: 'delete' } }, reason: 'invalid-input' },
    { name: 'the kind decides, not the reason text', v: deleting({ beingDeleted: true }), action: { type: 'fail', reason: 'invalid credentials', failure: { ...failure('delete'), deleteKind: 'delete' } }, reason: 'invalid-input' },
    { name: 'DeleteSnapshot failed', v: deleting({ beingDeleted: true }), action: deleteBackend, reason: 'delete-failed' },
    { name: 'finalizer patch failed', v: deleting({ beingDeleted: true }), action: { type: 'remove-finalizer', reason: 'r' }, reason: 'api-error' },
  ];
  test.each(rows)('$name → $reason', ({ v, action, reason }) => {
    expect(deletionBlockReason(v, action)).toBe(reason);
  });
});

test('retryOperation: CSI-backed steps by their RPC, failures by phase, other writes as update', () => {
  expect(retryOperation(create)).toBe('create');
  expect(retryOperation({ type: 'mark-being-created', reason: 'r', phase: 'create', secret: null })).toBe('create');
  expect(retryOperation({ type: 'refresh', reason: 'r', request: { handle: 'h', memberHandles: [], secret: null, mode: 'rpc' } })).toBe('refresh');
  expect(retryOperation(deleteBackend)).toBe('delete');
  expect(retryOperation({ type: 'fail', reason: 'r', failure: failure('check') })).toBe('refresh');
  expect(retryOperation({ type: 'fail', reason: 'r', failure: failure('delete') })).toBe('delete');
  expect(retryOperation({ type: 'fail', reason: 'r', failure: failure('create') })).toBe('create');
  expect(retryOperation({ type: 'remove-finalizer', reason: 'r' })).toBe('update');
  expect(retryOperation({ type: 'unmark-being-created', reason: 'r' })).toBe('update');
});

test('grpcCodeOf: the code of a CSI error anywhere in the cause chain, else none', () => {
  const rpc = new CsiRpcError({ grpcCode: 14, details: 'down' });
  expect(grpcCodeOf(rpc)).toBe('Unavailable');
  expect(grpcCodeOf(new Error('step failed', { cause: new Error('wrapped', { cause: rpc }) }))).toBe('Unavailable');
  // A Kubernetes API error has a `code` too, but a numeric HTTP one: not a gRPC code.
  expect(grpcCodeOf(Object.assign(new Error('conflict'), { code: 409 }))).toBe('none');
  expect(grpcCodeOf(new Error('plain'))).toBe('none');
  expect(grpcCodeOf('not an error')).toBe('none');
});
