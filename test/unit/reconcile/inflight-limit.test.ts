// The backend concurrency limit through decide + effects + reconciler: a content that finds no
// slot is requeued (not failed, nothing called or written), woken when its slot is reserved, and
// every way a CSI call ends gives the slot back.
import { describe, expect, test } from '@jest/globals';
import { InflightLimiter, type Permit, type SlotAnswer } from '../../../src/base/inflight-limiter.js';
import type { OwnWrites } from '../../../src/controller/own-write-log.js';
import type { EventSink, SecretSource } from '../../../src/effects/ports.js';
import { StepExecutor } from '../../../src/effects/step-executor.js';
import { ObjectStore } from '../../../src/kube/object-store.js';
import type { VolumeSnapshotContent } from '../../../src/kube/types.js';
import { volumeSnapshotContentKind } from '../../../src/kinds/volume-snapshot-content.js';
import { nullLogger } from '../../../src/observability/logger.js';
import { contentReconciler } from '../../../src/reconcile/content-reconciler.js';
import type { DecisionContext } from '../../../src/snapshot/decide.js';
import * as K from '../../../src/snapshot/keys.js';
import { FakeContentApi } from '../../support/fake-content-api.js';
import { FakeSnapshotter, rpcError } from '../../support/fake-snapshotter.js';
import { VirtualClock } from '../../support/virtual-clock.js';

const DRIVER = 'hostpath.csi.k8s.io';

function content(name: string, opts: { volumeHandle?: string; snapshotHandle?: string; deleting?: boolean; status?: Record<string, unknown> } = {}): VolumeSnapshotContent {
  const source = opts.snapshotHandle !== undefined ? { snapshotHandle: opts.snapshotHandle } : { volumeHandle: opts.volumeHandle ?? 'vol-1' };
  return {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshotContent',
    metadata: {
      name,
      uid: `uid-${name}`,
      finalizers: [K.FINALIZER_CONTENT],
      // The snapshot-controller marks a content being deleted before the sidecar may delete it.
      ...(opts.deleting ? { deletionTimestamp: '2026-12-06T10:00:00Z', annotations: { [K.ANN_BEING_DELETED]: 'yes' } } : {}),
    },
    spec: { deletionPolicy: 'Delete', driver: DRIVER, source, volumeSnapshotClassName: 'plain', volumeSnapshotRef: { kind: 'VolumeSnapshot', name: `vs-${name}`, namespace: 'ns1', uid: `vsuid-${name}` } },
    ...(opts.status ? { status: opts.status as VolumeSnapshotContent['status'] } : {}),
  };
}

function world(limits: { maxCreates?: number; maxDeletes?: number }) {
  const api = new FakeContentApi<VolumeSnapshotContent>();
  const snapshotter = new FakeSnapshotter();
  const clock = new VirtualClock({ startWallMs: Date.UTC(2026, 11, 6, 12) });
  const limiter = new InflightLimiter({ ...limits, clock });
  const events: string[] = [];
  const eventSink: EventSink = { warning: (_o, reason) => events.push(reason) };
  const secrets: SecretSource = { getSecretData: async () => ({}) };
  const ownWrites: OwnWrites = { record: () => undefined, isOwn: () => false, forget: () => undefined };
  const store = new ObjectStore<VolumeSnapshotContent>();
  const woken: string[] = [];
  const ctx: DecisionContext = {
    driverName: DRIVER,
    listSnapshotsSupported: true,
    namePrefix: 'snapshot',
    nameUuidLength: -1,
    extraCreateMetadata: false,
    nowMs: clock.now(),
    createGiveUpMs: 5 * 60_000,
    classByName: (n) => (n === 'plain' ? { name: n, driver: DRIVER, parameters: {} } : undefined),
  };
  const executor = new StepExecutor({
    adapter: volumeSnapshotContentKind,
    api,
    snapshotter,
    secrets,
    events: eventSink,
    ownWrites,
    clock,
    timeoutMs: 60_000,
    timeoutText: '1m0s',
    log: nullLogger,
    slots: { limiter, wake: (name) => woken.push(name) },
  });
  const reconcile = contentReconciler({ adapter: volumeSnapshotContentKind, store, executor, context: () => ctx, log: nullLogger });
  const sync = async (name: string, signal = new AbortController().signal) => {
    const cur = api.current(name);
    if (cur) store.observe(cur);
    return reconcile(name, signal);
  };
  /** Another content's call holding a slot (and its volume). */
  const hold = (kind: 'create' | 'delete', id: string, volume: string): Permit => {
    const a: SlotAnswer = limiter.tryAcquire({ kind, id, volumes: [volume], wake: () => undefined });
    if (a.kind !== 'acquired') throw new Error('slot expected');
    return a.permit;
  };
  return { api, snapshotter, limiter, events, woken, sync, hold };
}

describe('backend concurrency limit (--max-inflight-creates/-deletes)', () => {
  test('a create with no free slot is requeued, not failed: no CSI call, no status.error, no event; woken and created when the slot frees', async () => {
    const w = world({ maxCreates: 1 });
    const other = w.hold('create', 'VolumeSnapshotContent/other', 'vol-9');
    w.api.seed(content('c1'));
    expect(await w.sync('c1')).toEqual({ kind: 'requeueAfter', ms: 15_000 });
    expect(w.snapshotter.count('CreateSnapshot')).toBe(0);
    expect(w.api.current('c1')?.status).toBeUndefined();
    expect(w.events).toEqual([]);
    other.release();
    expect(w.woken).toEqual(['c1']);
    expect(await w.sync('c1')).toEqual({ kind: 'done' });
    expect(w.snapshotter.count('CreateSnapshot')).toBe(1);
    expect(w.api.current('c1')?.status?.readyToUse).toBe(true);
    expect(w.limiter.stats().inFlight).toEqual({ create: 0, delete: 0 });
  });

  test('a second create on the same source volume waits even with the count limit free', async () => {
    const w = world({ maxCreates: 10 });
    const other = w.hold('create', 'VolumeSnapshotContent/other', 'vol-1');
    w.api.seed(content('c1', { volumeHandle: 'vol-1' }));
    w.api.seed(content('c2', { volumeHandle: 'vol-2' }));
    expect((await w.sync('c1')).kind).toBe('requeueAfter');
    expect(await w.sync('c2')).toEqual({ kind: 'done' });
    other.release();
    expect(w.woken).toEqual(['c1']);
  });

  test.each([
    ['Aborted', 'Aborted'],
    ['Internal (ambiguous: annotation kept)', 'Internal'],
    ['InvalidArgument (final)', 'InvalidArgument'],
    ['DeadlineExceeded (timeout)', 'DeadlineExceeded'],
  ] as const)('a create that fails with %s gives its slot back (error back-off, as before)', async (_label, code) => {
    const w = world({ maxCreates: 1 });
    w.api.seed(content('c1'));
    w.snapshotter.fail('CreateSnapshot', rpcError(code));
    expect((await w.sync('c1')).kind).toBe('error');
    expect(w.limiter.stats().inFlight.create).toBe(0);
    expect(w.hold('create', 'VolumeSnapshotContent/next', 'vol-1')).toBeDefined();
  });

  test('a create cancelled by shutdown gives its slot back', async () => {
    const w = world({ maxCreates: 1 });
    const c = content('c1');
    w.api.seed({ ...c, metadata: { ...c.metadata, annotations: { [K.ANN_BEING_CREATED]: 'yes' } } });
    const abort = new AbortController();
    abort.abort(new Error('shutting down'));
    w.snapshotter.fail('CreateSnapshot', new Error('cancelled'));
    expect((await w.sync('c1', abort.signal)).kind).toBe('error');
    expect(w.snapshotter.count('CreateSnapshot')).toBe(1);
    expect(w.limiter.stats().inFlight.create).toBe(0);
  });

  test('a delete is keyed by its source volume: it waits while a create on that volume is in flight', async () => {
    const w = world({ maxDeletes: 5 });
    const create = w.hold('create', 'VolumeSnapshotContent/other', 'vol-1');
    w.api.seed(content('d1', { volumeHandle: 'vol-1', deleting: true, status: { snapshotHandle: 'snap-x', readyToUse: true } }));
    expect((await w.sync('d1')).kind).toBe('requeueAfter');
    expect(w.snapshotter.count('DeleteSnapshot')).toBe(0);
    create.release();
    expect(w.woken).toEqual(['d1']);
    expect(await w.sync('d1')).toEqual({ kind: 'done' });
    expect(w.snapshotter.count('DeleteSnapshot')).toBe(1);
    expect(w.api.current('d1')?.metadata.finalizers ?? []).toEqual([]);
  });

  test('a pre-provisioned content (no source volume) is deleted unkeyed: only the delete count limits it', async () => {
    const w = world({ maxCreates: 1, maxDeletes: 1 });
    const create = w.hold('create', 'VolumeSnapshotContent/other', 'vol-1');
    w.api.seed(content('p1', { snapshotHandle: 'snap-pre', deleting: true, status: { snapshotHandle: 'snap-pre', readyToUse: true } }));
    expect(await w.sync('p1')).toEqual({ kind: 'done' });
    expect(w.snapshotter.count('DeleteSnapshot')).toBe(1);
    create.release();
  });

  test('deletes are not starved by creates: with every create slot taken, a delete runs at once', async () => {
    const w = world({ maxCreates: 1, maxDeletes: 1 });
    const create = w.hold('create', 'VolumeSnapshotContent/other', 'vol-7');
    w.api.seed(content('c1', { volumeHandle: 'vol-2' }));
    w.api.seed(content('d1', { volumeHandle: 'vol-3', deleting: true, status: { snapshotHandle: 'snap-x', readyToUse: true } }));
    expect((await w.sync('c1')).kind).toBe('requeueAfter');
    expect(await w.sync('d1')).toEqual({ kind: 'done' });
    create.release();
  });

  test('a failed delete gives its slot back and keeps the finalizer (deletion retried with back-off)', async () => {
    const w = world({ maxDeletes: 1 });
    w.api.seed(content('d1', { deleting: true, status: { snapshotHandle: 'snap-x', readyToUse: true } }));
    w.snapshotter.fail('DeleteSnapshot', rpcError('Aborted'));
    expect((await w.sync('d1')).kind).toBe('error');
    expect(w.limiter.stats().inFlight.delete).toBe(0);
    expect(w.api.current('d1')?.metadata.finalizers).toEqual([K.FINALIZER_CONTENT]);
  });

  test('ListSnapshots (refresh of a pre-provisioned content) is not limited', async () => {
    const w = world({ maxCreates: 1 });
    const create = w.hold('create', 'VolumeSnapshotContent/other', 'vol-1');
    w.snapshotter.snapshots.set('snap-pre', { name: 'x', snapshotId: 'snap-pre', sourceVolumeId: 'vol-1', creationTimeNs: 1n, sizeBytes: 1n, readyToUse: true, groupSnapshotId: '' });
    w.api.seed(content('p1', { snapshotHandle: 'snap-pre' }));
    expect(await w.sync('p1')).toEqual({ kind: 'done' });
    expect(w.snapshotter.count('ListSnapshots')).toBe(1);
    create.release();
  });
});
