// "Deletion always progresses" (issue 13, items 1–3, 5, 8) through decide + effects + reconciler,
// run for both kinds with one scenario list: an unreadable Secret never leaves the being-created
// annotation; a create that never gets a final answer blocks a requested deletion only until
// --ambiguous-create-give-up after metadata.deletionTimestamp, then is released loudly and
// counted; a failed delete is an event on every attempt and never touches readyToUse; a
// pre-provisioned content is deleted by its spec handle whatever its status holds; every failure
// takes the error back-off (no terminal tier); the event goes out even when the status write fails.
import { describe, expect, test } from '@jest/globals';
import type { EventSink, SecretSource } from '../../../src/effects/ports.js';
import { StepExecutor } from '../../../src/effects/step-executor.js';
import { ObjectStore } from '../../../src/kube/object-store.js';
import type { KubeObject, VolumeGroupSnapshotContent, VolumeSnapshotContent } from '../../../src/kube/types.js';
import type { KindAdapter } from '../../../src/kinds/kind-adapter.js';
import { volumeGroupSnapshotContentKind } from '../../../src/kinds/volume-group-snapshot-content.js';
import { volumeSnapshotContentKind } from '../../../src/kinds/volume-snapshot-content.js';
import { nullLogger } from '../../../src/observability/logger.js';
import { contentReconciler } from '../../../src/reconcile/content-reconciler.js';
import { OwnWriteLog } from '../../../src/controller/own-write-log.js';
import type { DecisionContext } from '../../../src/snapshot/decide.js';
import * as K from '../../../src/snapshot/keys.js';
import { FakeContentApi } from '../../support/fake-content-api.js';
import { FakeSnapshotter, rpcError } from '../../support/fake-snapshotter.js';

const DRIVER = 'csi-mock-plugin';
const NAME = 'content1';
const DELETED_AT = '2026-11-23T12:00:00Z';
const DELETED_AT_MS = Date.parse(DELETED_AT);
const GIVE_UP_MS = 5 * 60_000;

interface Spec {
  annotations?: Record<string, string>;
  finalizers?: string[];
  deleting?: boolean;
  className?: string;
  /** Pre-provisioned: the backend handle in spec.source. */
  preHandle?: string;
  status?: Record<string, unknown>;
}

interface KindCase<T extends KubeObject> {
  readonly label: string;
  readonly adapter: KindAdapter<T>;
  readonly make: (s: Spec) => T;
  readonly createRpc: string;
  readonly deleteRpc: string;
  readonly refreshRpc: string;
  readonly snapshotName: string;
  readonly ann: { readonly created: string; readonly deleted: string; readonly secretName: string; readonly secretNamespace: string };
  readonly finalizer: string;
  readonly reasons: { readonly abandoned: string; readonly deleteError: string; readonly created: string; readonly check: string };
  /** A ready status whose handle is `h`. */
  readonly ready: (h: string) => Record<string, unknown>;
  readonly handleOf: (o: T | undefined) => string | undefined;
  readonly refreshWording: string;
}

function meta(s: Spec) {
  return {
    name: NAME,
    uid: 'content-uid',
    annotations: s.annotations ?? {},
    finalizers: s.finalizers ?? [],
    ...(s.deleting ? { deletionTimestamp: DELETED_AT } : {}),
  };
}

const single: KindCase<VolumeSnapshotContent> = {
  label: 'VolumeSnapshotContent',
  adapter: volumeSnapshotContentKind,
  make: (s) => ({
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshotContent',
    metadata: { ...meta(s), finalizers: s.finalizers ?? [K.FINALIZER_CONTENT] },
    spec: {
      deletionPolicy: 'Delete',
      driver: DRIVER,
      source: s.preHandle !== undefined ? { snapshotHandle: s.preHandle } : { volumeHandle: 'vh1' },
      ...(s.preHandle !== undefined ? {} : { volumeSnapshotClassName: s.className ?? 'gold' }),
      volumeSnapshotRef: { kind: 'VolumeSnapshot', name: 'snap1', namespace: 'ns1', uid: 'snapuid1' },
    },
    ...(s.status ? { status: s.status as VolumeSnapshotContent['status'] } : {}),
  }),
  createRpc: 'CreateSnapshot',
  deleteRpc: 'DeleteSnapshot',
  refreshRpc: 'ListSnapshots',
  snapshotName: 'snapshot-snapuid1',
  ann: { created: K.ANN_BEING_CREATED, deleted: K.ANN_BEING_DELETED, secretName: K.ANN_DELETION_SECRET_NAME, secretNamespace: K.ANN_DELETION_SECRET_NAMESPACE },
  finalizer: K.FINALIZER_CONTENT,
  reasons: { abandoned: 'SnapshotCreationAbandoned', deleteError: 'SnapshotDeleteError', created: 'SnapshotCreationFailed', check: 'SnapshotContentCheckandUpdateFailed' },
  ready: (h) => ({ snapshotHandle: h, readyToUse: true, creationTime: 1 }),
  handleOf: (o) => o?.status?.snapshotHandle,
  refreshWording: 'failed to list snapshot for content content1: ',
};

const group: KindCase<VolumeGroupSnapshotContent> = {
  label: 'VolumeGroupSnapshotContent',
  adapter: volumeGroupSnapshotContentKind,
  make: (s) => ({
    apiVersion: 'groupsnapshot.storage.k8s.io/v1',
    kind: 'VolumeGroupSnapshotContent',
    metadata: { ...meta(s), finalizers: s.finalizers ?? [K.FINALIZER_GROUP_CONTENT] },
    spec: {
      deletionPolicy: 'Delete',
      driver: DRIVER,
      source:
        s.preHandle !== undefined
          ? { groupSnapshotHandles: { volumeGroupSnapshotHandle: s.preHandle, volumeSnapshotHandles: ['m1', 'm2'] } }
          : { volumeHandles: ['vh1', 'vh2'] },
      ...(s.preHandle !== undefined ? {} : { volumeGroupSnapshotClassName: s.className ?? 'gold' }),
      volumeGroupSnapshotRef: { kind: 'VolumeGroupSnapshot', name: 'snap1', namespace: 'ns1', uid: 'snapuid1' },
    },
    ...(s.status ? { status: s.status as VolumeGroupSnapshotContent['status'] } : {}),
  }),
  createRpc: 'CreateVolumeGroupSnapshot',
  deleteRpc: 'DeleteVolumeGroupSnapshot',
  refreshRpc: 'GetVolumeGroupSnapshot',
  snapshotName: 'groupsnapshot-snapuid1',
  ann: {
    created: K.ANN_GROUP_BEING_CREATED,
    deleted: K.ANN_GROUP_BEING_DELETED,
    secretName: K.ANN_GROUP_DELETION_SECRET_NAME,
    secretNamespace: K.ANN_GROUP_DELETION_SECRET_NAMESPACE,
  },
  finalizer: K.FINALIZER_GROUP_CONTENT,
  reasons: { abandoned: 'GroupSnapshotCreationAbandoned', deleteError: 'GroupSnapshotDeleteError', created: 'GroupSnapshotCreationFailed', check: 'GroupSnapshotContentCheckandUpdateFailed' },
  ready: (h) => ({
    volumeGroupSnapshotHandle: h,
    readyToUse: true,
    creationTime: '2026-01-01T00:00:00Z',
    volumeSnapshotInfoList: [{ volumeHandle: 'vh1', snapshotHandle: 's1' }, { volumeHandle: 'vh2', snapshotHandle: 's2' }],
  }),
  handleOf: (o) => o?.status?.volumeGroupSnapshotHandle,
  refreshWording: 'failed to list group snapshot for group snapshot content content1: ',
};

function world<T extends KubeObject>(kc: KindCase<T>) {
  const api = new FakeContentApi<T>();
  const snapshotter = new FakeSnapshotter();
  let nowMs = DELETED_AT_MS;
  const clock = {
    now: () => nowMs,
    monotonic: () => nowMs,
    setTimer: () => ({ cancel: () => undefined }),
    sleep: async () => undefined,
  };
  const events: { reason: string; message: string }[] = [];
  const eventSink: EventSink = { warning: (_o, reason, message) => events.push({ reason, message }) };
  const secretData = new Map<string, Record<string, string>>([['default/secret', { foo: 'bar' }]]);
  let secretGets = 0;
  const secrets: SecretSource = {
    async getSecretData(ns, name) {
      secretGets++;
      const d = secretData.get(`${ns}/${name}`);
      if (d === undefined) throw new Error(`secrets "${name}" is forbidden: User cannot get resource "secrets" in namespace "${ns}"`);
      return d;
    },
  };
  const orphans: string[] = [];
  const classes: Record<string, { name: string; driver: string; parameters: Record<string, string> }> = {
    gold: { name: 'gold', driver: DRIVER, parameters: { param1: 'v1' } },
  };
  const store = new ObjectStore<T>();
  const executor = new StepExecutor({
    adapter: kc.adapter, api, snapshotter, secrets, events: eventSink, ownWrites: new OwnWriteLog(), clock,
    timeoutMs: 60_000, timeoutText: '1m0s', log: nullLogger, onPossibleOrphan: (kind) => orphans.push(kind),
  });
  const context = (): DecisionContext => ({
    driverName: DRIVER,
    listSnapshotsSupported: true,
    namePrefix: kc === (group as unknown) ? 'groupsnapshot' : 'snapshot',
    nameUuidLength: -1,
    extraCreateMetadata: false,
    classByName: (n) => classes[n],
    nowMs: clock.now(),
    createGiveUpMs: GIVE_UP_MS,
  });
  const reconcile = contentReconciler({ adapter: kc.adapter, store, executor, context, log: nullLogger });
  const sync = async () => {
    const cur = api.current(NAME);
    if (cur) store.observe(cur);
    return reconcile(NAME, new AbortController().signal);
  };
  return {
    api, snapshotter, events, secretData, orphans, classes, sync,
    secretGets: () => secretGets,
    /** Moves the wall clock to `ms` after the deletion request. */
    at: (ms: number) => { nowMs = DELETED_AT_MS + ms; },
    current: () => api.current(NAME),
  };
}

const annotationsOf = (o: KubeObject | undefined): Record<string, string> => o?.metadata.annotations ?? {};
const statusOf = (o: KubeObject | undefined): Record<string, unknown> | undefined => (o as { status?: Record<string, unknown> } | undefined)?.status;

describe.each([[single.label, single as unknown as KindCase<KubeObject>], [group.label, group as unknown as KindCase<KubeObject>]])('%s', (_label, kc) => {
  const secretAnn = (name: string) => ({ [kc.ann.secretName]: name, [kc.ann.secretNamespace]: 'default' });

  describe('item 1: the Secret is read before the being-created annotation', () => {
    test('an unreadable Secret: error status + event, no annotation, no RPC; once deleted, the finalizer goes without any RPC', async () => {
      const w = world(kc);
      w.api.seed(kc.make({ annotations: secretAnn('missing') }));
      const r = await w.sync();
      expect(r.kind).toBe('error');
      expect(annotationsOf(w.current())[kc.ann.created]).toBeUndefined();
      expect(w.snapshotter.calls).toEqual([]);
      expect(String(statusOf(w.current())?.error && (statusOf(w.current())?.error as { message: string }).message)).toContain('default/missing');
      expect(w.events.map((e) => e.reason)).toEqual([kc.reasons.created]);
      // The snapshot-controller deletes the content: nothing may hold it.
      w.api.mutate(NAME, (o) => {
        (o.metadata as { deletionTimestamp?: string }).deletionTimestamp = DELETED_AT;
        ((o.metadata as { annotations: Record<string, string> }).annotations)[kc.ann.deleted] = 'yes';
      });
      expect(await w.sync()).toEqual({ kind: 'done' });
      expect(w.current()?.metadata.finalizers).toEqual([]);
      expect(w.snapshotter.calls).toEqual([]);
      expect(w.orphans).toEqual([]);
    });

    test('a readable Secret is read once per create: the create sends what was checked before the annotation', async () => {
      const w = world(kc);
      w.api.seed(kc.make({ annotations: secretAnn('secret') }));
      // The Secret disappears right after the first read: the create must not need a second one.
      const orig = w.secretData.get('default/secret');
      w.api.beforeNextPatch = () => { w.secretData.delete('default/secret'); };
      expect(await w.sync()).toEqual({ kind: 'done' });
      expect(w.secretGets()).toBe(1);
      expect(orig).toEqual({ foo: 'bar' });
      expect((w.snapshotter.calls[0]?.request as { secrets: unknown }).secrets).toEqual({ foo: 'bar' });
      expect(kc.handleOf(w.current())).toBeDefined();
    });
  });

  describe('item 2: a create with no final answer blocks a requested deletion only until the give-up bound', () => {
    const beingCreatedAndDeleted = () => ({ deleting: true, annotations: { [kc.ann.created]: 'yes', [kc.ann.deleted]: 'yes' } });

    test('Internal within the bound: the same create is re-issued, the annotation and finalizer stay, retried with back-off', async () => {
      const w = world(kc);
      w.snapshotter.fail(kc.createRpc, rpcError('Internal', 'backend hiccup'));
      w.api.seed(kc.make(beingCreatedAndDeleted()));
      w.at(GIVE_UP_MS - 1);
      const r = await w.sync();
      expect(r.kind).toBe('error');
      expect(w.snapshotter.count(kc.createRpc)).toBe(1);
      expect(annotationsOf(w.current())[kc.ann.created]).toBe('yes');
      expect(w.current()?.metadata.finalizers).toEqual([kc.finalizer]);
      expect(w.orphans).toEqual([]);
    });

    test('a re-issued create that succeeds gives a handle to delete: DeleteSnapshot, then the finalizer', async () => {
      const w = world(kc);
      w.snapshotter.fail(kc.createRpc, rpcError('Internal', 'backend hiccup'));
      w.api.seed(kc.make(beingCreatedAndDeleted()));
      w.at(60_000);
      expect((await w.sync()).kind).toBe('error');
      w.at(2 * 60_000);
      expect(await w.sync()).toEqual({ kind: 'done' });
      expect(w.snapshotter.calls.map((c) => c.method)).toEqual([kc.createRpc, kc.createRpc, kc.deleteRpc]);
      expect(w.current()?.metadata.finalizers).toEqual([]);
      expect(w.orphans).toEqual([]);
    });

    test('a final error proves nothing was made: the annotation goes and the deletion finishes, no orphan warning', async () => {
      const w = world(kc);
      w.snapshotter.fail(kc.createRpc, rpcError('InvalidArgument', 'bad parameter'));
      w.api.seed(kc.make(beingCreatedAndDeleted()));
      w.at(60_000);
      expect((await w.sync()).kind).toBe('error');
      expect(annotationsOf(w.current())[kc.ann.created]).toBeUndefined();
      expect(await w.sync()).toEqual({ kind: 'done' });
      expect(w.current()?.metadata.finalizers).toEqual([]);
      expect(w.snapshotter.count(kc.deleteRpc)).toBe(0);
      expect(w.orphans).toEqual([]);
    });

    test.each(['Internal', 'Unknown', 'DeadlineExceeded', 'Unavailable'] as const)(
      'still %s past the bound: one last create, then the annotation is released, a Warning names the CSI snapshot, the orphan is counted, the finalizer goes',
      async (code) => {
        const w = world(kc);
        for (let i = 0; i < 3; i++) w.snapshotter.fail(kc.createRpc, rpcError(code, 'no idea'));
        w.api.seed(kc.make(beingCreatedAndDeleted()));
        w.at(60_000);
        expect((await w.sync()).kind).toBe('error');
        w.at(GIVE_UP_MS);
        expect(await w.sync()).toEqual({ kind: 'done' });
        expect(w.snapshotter.count(kc.createRpc)).toBe(2);
        expect(w.snapshotter.count(kc.deleteRpc)).toBe(0);
        expect(annotationsOf(w.current())[kc.ann.created]).toBeUndefined();
        expect(w.current()?.metadata.finalizers).toEqual([]);
        expect(w.orphans).toEqual([kc.label]);
        const warning = w.events.find((e) => e.reason === kc.reasons.abandoned);
        expect(warning?.message).toContain(`"${kc.snapshotName}"`);
        expect(warning?.message).toContain(`driver ${DRIVER}`);
        expect(warning?.message).toContain(DELETED_AT);
        expect(warning?.message).toContain('look for it there and delete it');
        expect(warning?.message).toContain(`code = ${code}`);
      },
    );

    test('the bound is measured from metadata.deletionTimestamp, so a restarted sidecar past it gives up on its first failure', async () => {
      const w = world(kc); // a fresh process: no memory of earlier attempts
      w.snapshotter.fail(kc.createRpc, rpcError('Internal', 'still broken'));
      w.api.seed(kc.make(beingCreatedAndDeleted()));
      w.at(GIVE_UP_MS + 3_600_000);
      expect(await w.sync()).toEqual({ kind: 'done' });
      expect(w.snapshotter.count(kc.createRpc)).toBe(1);
      expect(w.orphans).toEqual([kc.label]);
    });

    test('a Secret that became unreadable: kept within the bound, released past it (the Secret name, never its data, in the event)', async () => {
      const w = world(kc);
      w.api.seed(kc.make({ deleting: true, annotations: { [kc.ann.created]: 'yes', [kc.ann.deleted]: 'yes', ...secretAnn('gone') } }));
      w.at(1_000);
      expect((await w.sync()).kind).toBe('error');
      expect(annotationsOf(w.current())[kc.ann.created]).toBe('yes');
      w.at(GIVE_UP_MS);
      expect(await w.sync()).toEqual({ kind: 'done' });
      expect(w.snapshotter.calls).toEqual([]);
      expect(w.current()?.metadata.finalizers).toEqual([]);
      const warning = w.events.find((e) => e.reason === kc.reasons.abandoned);
      expect(warning?.message).toContain('default/gone');
      expect(w.orphans).toEqual([kc.label]);
    });

    test('the class was deleted meanwhile (no create can be issued): an error within the bound, released past it', async () => {
      const w = world(kc);
      w.api.seed(kc.make({ ...beingCreatedAndDeleted(), className: 'removed' }));
      w.at(1_000);
      expect((await w.sync()).kind).toBe('error');
      expect(annotationsOf(w.current())[kc.ann.created]).toBe('yes');
      w.at(GIVE_UP_MS);
      expect(await w.sync()).toEqual({ kind: 'done' });
      expect(w.snapshotter.calls).toEqual([]);
      expect(w.current()?.metadata.finalizers).toEqual([]);
      expect(w.events.filter((e) => e.reason === kc.reasons.abandoned)).toHaveLength(1);
      expect(w.orphans).toEqual([kc.label]);
    });

    test('not deleting: an ambiguous error keeps the annotation however long it lasts (upstream #866)', async () => {
      const w = world(kc);
      w.snapshotter.fail(kc.createRpc, rpcError('Internal', 'x'));
      w.api.seed(kc.make({ annotations: { [kc.ann.created]: 'yes' } }));
      w.at(10 * GIVE_UP_MS);
      expect((await w.sync()).kind).toBe('error');
      expect(annotationsOf(w.current())[kc.ann.created]).toBe('yes');
      expect(w.orphans).toEqual([]);
    });
  });

  describe('item 3: delete-path failures', () => {
    const deletingReady = () => kc.make({ deleting: true, annotations: { [kc.ann.deleted]: 'yes' }, status: kc.ready('h1') });

    test('a failed delete: a Warning on every attempt (its count grows), status.error set, readyToUse untouched, finalizer kept', async () => {
      const w = world(kc);
      w.snapshotter.fail(kc.deleteRpc, rpcError('FailedPrecondition', 'in use'));
      w.snapshotter.fail(kc.deleteRpc, rpcError('FailedPrecondition', 'in use'));
      w.api.seed(deletingReady());
      expect((await w.sync()).kind).toBe('error');
      expect((await w.sync()).kind).toBe('error');
      expect(w.events.map((e) => e.reason)).toEqual([kc.reasons.deleteError, kc.reasons.deleteError]);
      const st = statusOf(w.current());
      expect(st?.readyToUse).toBe(true);
      expect((st?.error as { message: string } | undefined)?.message).toContain('in use');
      expect(kc.handleOf(w.current())).toBe('h1');
      expect(w.current()?.metadata.finalizers).toEqual([kc.finalizer]);
    });

    test('pre-provisioned with an error-only status (never refreshed): deleted by its spec handle, then the finalizer', async () => {
      const w = world(kc);
      w.api.seed(kc.make({ deleting: true, preHandle: 'pre1', annotations: { [kc.ann.deleted]: 'yes' }, status: { readyToUse: false, error: { message: 'driver down' } } }));
      expect(await w.sync()).toEqual({ kind: 'done' });
      expect(w.snapshotter.calls.map((c) => c.method)).toEqual([kc.deleteRpc]);
      const req = w.snapshotter.calls[0]?.request as { snapshotId?: string; groupSnapshotId?: string };
      expect(req.snapshotId ?? req.groupSnapshotId).toBe('pre1');
      expect(w.current()?.metadata.finalizers).toEqual([]);
    });

    test('pre-provisioned whose finalizer patch failed after the delete: the next pass repeats the idempotent delete and removes the finalizer', async () => {
      const w = world(kc);
      w.api.seed(kc.make({ deleting: true, preHandle: 'pre1', annotations: { [kc.ann.deleted]: 'yes' }, status: kc.ready('pre1') }));
      let patches = 0;
      const orig = w.api.patch.bind(w.api);
      w.api.patch = async (name, patch, o) => {
        if (++patches === 2) w.api.failNext('patch', 500);
        return orig(name, patch, o);
      };
      expect((await w.sync()).kind).toBe('error');
      expect(w.current()?.metadata.finalizers).toEqual([kc.finalizer]);
      expect(await w.sync()).toEqual({ kind: 'done' });
      expect(w.snapshotter.count(kc.deleteRpc)).toBe(2);
      expect(w.current()?.metadata.finalizers).toEqual([]);
    });

    test('pre-provisioned with a stray being-created annotation: nothing is ever created for it, so it does not block deletion', async () => {
      const w = world(kc);
      w.api.seed(kc.make({ deleting: true, preHandle: 'pre1', annotations: { [kc.ann.created]: 'yes', [kc.ann.deleted]: 'yes' } }));
      expect(await w.sync()).toEqual({ kind: 'done' });
      expect(w.snapshotter.calls.map((c) => c.method)).toEqual([kc.deleteRpc]);
      expect(w.current()?.metadata.finalizers).toEqual([]);
    });
  });

  describe('item 5: every failure takes the --retry-interval-* back-off', () => {
    test.each(['InvalidArgument', 'PermissionDenied', 'AlreadyExists'] as const)('a %s create error is a plain error result (the back-off path)', async (code) => {
      const w = world(kc);
      w.snapshotter.fail(kc.createRpc, rpcError(code, 'x'));
      w.api.seed(kc.make({}));
      const r = await w.sync();
      expect(r).toEqual({ kind: 'error', error: expect.any(Error) });
    });
  });

  describe('item 8: events and wording', () => {
    test('the Warning event goes out even when the error status write fails', async () => {
      const w = world(kc);
      w.snapshotter.fail(kc.createRpc, rpcError('InvalidArgument', 'bad'));
      w.api.seed(kc.make({}));
      const orig = w.api.patch.bind(w.api);
      w.api.patch = async (name, patch, o) => {
        if (o.subresource === 'status') w.api.failNext('patch', 500);
        return orig(name, patch, o);
      };
      expect((await w.sync()).kind).toBe('error');
      expect(w.events.map((e) => e.reason)).toEqual([kc.reasons.created]);
      expect(statusOf(w.current())?.error).toBeUndefined();
    });

    test('a refresh failure that is not a gRPC status is recorded in status and as an event, in the kind\'s own wording', async () => {
      const w = world(kc);
      const boom = new Error('connection reset by peer');
      w.snapshotter.fail(kc.refreshRpc, boom);
      w.api.seed(kc.make({ preHandle: 'pre1' }));
      expect((await w.sync()).kind).toBe('error');
      const msg = (statusOf(w.current())?.error as { message: string } | undefined)?.message ?? '';
      expect(msg).toContain(kc.refreshWording);
      expect(msg).toContain('connection reset by peer');
      expect(w.events.map((e) => e.reason)).toEqual([kc.reasons.check]);
    });
  });
});
