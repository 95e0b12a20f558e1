// The backend concurrency limit under the real controller loop and work queue (virtual time): with
// 2 workers, a create limit of 1 and a slow driver, no worker blocks on a slot, so deletions finish
// while creates wait; every create still completes, one at a time, with no error back-off, and the
// driver never sees two calls on one volume.
import { afterEach, describe, expect, test } from '@jest/globals';
import { withSlotPasses } from '../../../src/app/kind-controller.js';
import { InflightLimiter } from '../../../src/base/inflight-limiter.js';
import { runController, type RunningController } from '../../../src/controller/controller-loop.js';
import type { Result } from '../../../src/controller/result.js';
import type { CreateSnapshotRequest, SnapshotIdRequest, SnapshotResult } from '../../../src/csi/snapshotter.js';
import type { OwnWrites } from '../../../src/controller/own-write-log.js';
import { StepExecutor } from '../../../src/effects/step-executor.js';
import { ObjectStore } from '../../../src/kube/object-store.js';
import type { VolumeSnapshotContent } from '../../../src/kube/types.js';
import { volumeSnapshotContentKind } from '../../../src/kinds/volume-snapshot-content.js';
import { nullLogger } from '../../../src/observability/logger.js';
import { exponentialBackoff } from '../../../src/queue/backoff.js';
import { readinessPollSchedule } from '../../../src/queue/poll-schedule.js';
import { WorkQueue } from '../../../src/queue/work-queue.js';
import { contentReconciler } from '../../../src/reconcile/content-reconciler.js';
import * as K from '../../../src/snapshot/keys.js';
import { FakeContentApi } from '../../support/fake-content-api.js';
import { FakeSnapshotter } from '../../support/fake-snapshotter.js';
import { VirtualClock } from '../../support/virtual-clock.js';

const DRIVER = 'hostpath.csi.k8s.io';

/** A driver whose creates take 1 s and deletes 200 ms of virtual time; it records overlap. */
class SlowSnapshotter extends FakeSnapshotter {
  inFlight = 0;
  maxInFlight = 0;
  readonly busyVolumes = new Set<string>();
  volumeClashes = 0;
  readonly #clock: VirtualClock;

  constructor(clock: VirtualClock) {
    super();
    this.#clock = clock;
  }

  async #slow<T>(volume: string | undefined, ms: number, fn: () => Promise<T>): Promise<T> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (volume !== undefined) {
      if (this.busyVolumes.has(volume)) this.volumeClashes++;
      this.busyVolumes.add(volume);
    }
    try {
      await this.#clock.sleep(ms);
      return await fn();
    } finally {
      this.inFlight--;
      if (volume !== undefined) this.busyVolumes.delete(volume);
    }
  }

  override createSnapshot(request: CreateSnapshotRequest): Promise<SnapshotResult> {
    return this.#slow(request.sourceVolumeId, 1000, () => super.createSnapshot(request));
  }

  override deleteSnapshot(request: SnapshotIdRequest): Promise<void> {
    return this.#slow(undefined, 200, () => super.deleteSnapshot(request));
  }
}

function content(name: string, volumeHandle: string, deleting: boolean): VolumeSnapshotContent {
  return {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshotContent',
    metadata: {
      name,
      uid: `uid-${name}`,
      finalizers: [K.FINALIZER_CONTENT],
      ...(deleting ? { deletionTimestamp: '2026-12-06T10:00:00Z', annotations: { [K.ANN_BEING_DELETED]: 'yes' } } : {}),
    },
    spec: {
      deletionPolicy: 'Delete',
      driver: DRIVER,
      source: { volumeHandle },
      volumeSnapshotClassName: 'plain',
      volumeSnapshotRef: { kind: 'VolumeSnapshot', name: `vs-${name}`, namespace: 'ns1', uid: `vsuid-${name}` },
    },
    ...(deleting ? { status: { snapshotHandle: `snap-of-${name}`, readyToUse: true } } : {}),
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('backend concurrency limit under the controller loop', () => {
  test('2 workers, create limit 1: deletions finish while 12 creates wait; creates run one at a time with no error back-off and no volume clash', async () => {
    const clock = new VirtualClock({ startWallMs: Date.UTC(2026, 11, 6, 12) });
    const api = new FakeContentApi<VolumeSnapshotContent>();
    const store = new ObjectStore<VolumeSnapshotContent>();
    const snapshotter = new SlowSnapshotter(clock);
    const limiter = new InflightLimiter({ maxCreates: 1, maxDeletes: 1, clock });
    const queue = new WorkQueue<string>({
      name: 'test',
      clock,
      backoff: exponentialBackoff({ baseMs: 1000, maxMs: 300_000 }),
      poll: readinessPollSchedule({ startMs: 1000, maxMs: 30_000, jitter: 0 }),
    });
    const ownWrites: OwnWrites = { record: () => undefined, isOwn: () => false, forget: () => undefined };
    const executor = new StepExecutor({
      adapter: volumeSnapshotContentKind,
      api,
      snapshotter,
      secrets: { getSecretData: async () => ({}) },
      events: { warning: () => undefined },
      ownWrites,
      clock,
      timeoutMs: 60_000,
      timeoutText: '1m0s',
      log: nullLogger,
      slots: { limiter, wake: (name) => queue.add(name) },
    });
    const inner = contentReconciler({
      adapter: volumeSnapshotContentKind,
      store,
      executor,
      log: nullLogger,
      context: () => ({
        driverName: DRIVER,
        listSnapshotsSupported: true,
        namePrefix: 'snapshot',
        nameUuidLength: -1,
        extraCreateMetadata: false,
        nowMs: clock.now(),
        createGiveUpMs: 5 * 60_000,
        classByName: (n) => (n === 'plain' ? { name: n, driver: DRIVER, parameters: {} } : undefined),
      }),
    });
    const results: Array<{ key: string; kind: Result['kind'] }> = [];
    const reconcile = withSlotPasses({ reconcile: inner, limiter, kind: 'VolumeSnapshotContent', store });
    const creates = Array.from({ length: 12 }, (_, i) => `c${i}`);
    const deletes = Array.from({ length: 4 }, (_, i) => `d${i}`);
    for (const [i, name] of creates.entries()) store.observe(api.seed(content(name, `vol-${i % 3}`, false)));
    for (const [i, name] of deletes.entries()) store.observe(api.seed(content(name, `vol-${i % 3}`, true)));
    const abort = new AbortController();
    const controller: RunningController = runController({
      queue,
      workers: 2,
      clock,
      log: nullLogger,
      signal: abort.signal,
      reconcile: async (key, signal) => {
        const r = await reconcile(key, signal);
        results.push({ key, kind: r.kind });
        return r;
      },
    });
    cleanups.push(async () => {
      await controller.stop();
      queue.shutDown();
    });
    // Creates are queued first: with blocking workers they would hold both workers.
    for (const name of [...creates, ...deletes]) queue.add(name);

    const doneAt = new Map<string, number>();
    const isDone = (name: string): boolean => {
      const cur = api.current(name);
      return name.startsWith('d') ? (cur?.metadata.finalizers ?? []).length === 0 : cur?.status?.readyToUse === true;
    };
    for (let t = 0; t < 60_000 && doneAt.size < creates.length + deletes.length; t += 100) {
      await clock.advance(100);
      for (const name of [...creates, ...deletes]) if (!doneAt.has(name) && isDone(name)) doneAt.set(name, clock.monotonic());
    }

    expect(doneAt.size).toBe(16);
    const lastDelete = Math.max(...deletes.map((d) => doneAt.get(d) ?? Infinity));
    const lastCreate = Math.max(...creates.map((c) => doneAt.get(c) ?? Infinity));
    // 4 deletes of 200 ms, one at a time, are done before the 12 serial creates of 1 s are half-way.
    expect(lastDelete).toBeLessThanOrEqual(2_000);
    expect(lastCreate).toBeGreaterThanOrEqual(12_000);
    expect(snapshotter.count('CreateSnapshot')).toBe(12);
    expect(snapshotter.count('DeleteSnapshot')).toBe(4);
    expect(snapshotter.volumeClashes).toBe(0);
    expect(results.filter((r) => r.kind === 'error')).toEqual([]);
    expect(results.some((r) => r.kind === 'requeueAfter')).toBe(true);
    expect(limiter.stats()).toEqual({ inFlight: { create: 0, delete: 0 }, reserved: { create: 0, delete: 0 }, waiting: { create: 0, delete: 0 } });
  });
});
