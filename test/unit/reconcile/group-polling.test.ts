// A group the driver reports not ready is polled on the readiness-poll schedule, not in a loop:
// the real WorkQueue and controller loop on virtual time, the shared reconciler with the group
// adapter, and every API write fed back through the informer event routing the way the watch
// would deliver it. Upstream #1488: its own writes re-triggered the group sync and re-sent
// CreateVolumeGroupSnapshot about every 800 ms; here the RPC count follows the schedule exactly.
import { afterEach, describe, expect, test } from '@jest/globals';
import { contentEventHandler } from '../../../src/controller/content-event-source.js';
import type { Clock } from '../../../src/base/clock.js';
import { runController, type RunningController } from '../../../src/controller/controller-loop.js';
import { StepExecutor } from '../../../src/effects/step-executor.js';
import { ObjectStore } from '../../../src/kube/object-store.js';
import type { VolumeGroupSnapshotContent } from '../../../src/kube/types.js';
import { volumeGroupSnapshotContentKind as kind } from '../../../src/kinds/volume-group-snapshot-content.js';
import { nullLogger } from '../../../src/observability/logger.js';
import { exponentialBackoff } from '../../../src/queue/backoff.js';
import { readinessPollSchedule } from '../../../src/queue/poll-schedule.js';
import { WorkQueue } from '../../../src/queue/work-queue.js';
import { contentReconciler } from '../../../src/reconcile/content-reconciler.js';
import { OwnWriteLog } from '../../../src/controller/own-write-log.js';
import * as K from '../../../src/snapshot/keys.js';
import { FakeContentApi } from '../../support/fake-content-api.js';
import { FakeSnapshotter } from '../../support/fake-snapshotter.js';
import { VirtualClock } from '../../support/virtual-clock.js';

const DRIVER = 'csi-mock-plugin';
const NAME = 'groupcontent1';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function content(): VolumeGroupSnapshotContent {
  return {
    metadata: { name: NAME, finalizers: [K.FINALIZER_GROUP_CONTENT] },
    spec: {
      deletionPolicy: 'Delete',
      driver: DRIVER,
      source: { volumeHandles: ['vh1', 'vh2'] },
      volumeGroupSnapshotClassName: 'gold',
      volumeGroupSnapshotRef: { name: 'vgs1', namespace: 'ns1', uid: 'vgsuid1' },
    },
  };
}

function start() {
  const clock = new VirtualClock();
  const api = new FakeContentApi<VolumeGroupSnapshotContent>();
  const snapshotter = new FakeSnapshotter();
  const rpcAt: number[] = [];
  const create = snapshotter.createVolumeGroupSnapshot.bind(snapshotter);
  snapshotter.createVolumeGroupSnapshot = async (request) => {
    rpcAt.push(clock.monotonic());
    return create(request);
  };
  const store = new ObjectStore<VolumeGroupSnapshotContent>();
  const ownWrites = new OwnWriteLog();
  const queue = new WorkQueue<string>({
    name: 'csi-snapshotter-groupsnapshotcontent',
    clock,
    backoff: exponentialBackoff({ baseMs: 1000, maxMs: 300_000 }),
    poll: readinessPollSchedule({ startMs: 1000, maxMs: 30_000, jitter: 0 }),
  });
  const handler = contentEventHandler({ adapter: kind, driverName: DRIVER, store, ownWrites, enqueue: (k, p) => queue.add(k, p), listed: () => true, log: nullLogger });
  // The watch: every stored change reaches the handler with the previous copy, ours included.
  let last: VolumeGroupSnapshotContent | undefined;
  const patch = api.patch.bind(api);
  api.patch = async (name, p, o) => {
    const out = await patch(name, p, o);
    const previous = last;
    last = out;
    handler('MODIFIED', previous, out);
    return out;
  };
  // Poll delays of 1.5ⁿ s are fractional on virtual time, and StepExecutor turns clock.now() into
  // BigInt nanoseconds, which needs an integer (the system clock always gives one): whole ms here.
  const wholeMs: Clock = { now: () => Math.floor(clock.now()), monotonic: () => clock.monotonic(), setTimer: (fn, ms) => clock.setTimer(fn, ms), sleep: (ms, signal) => clock.sleep(ms, signal) };
  const executor = new StepExecutor({ adapter: kind, api, snapshotter, secrets: { getSecretData: async () => ({}) }, events: { warning: () => undefined }, ownWrites, clock: wholeMs, timeoutMs: 60_000, timeoutText: '1m0s', log: nullLogger });
  const reconcile = contentReconciler({
    adapter: kind,
    store,
    executor,
    log: nullLogger,
    context: () => ({
      driverName: DRIVER,
      listSnapshotsSupported: true,
      namePrefix: 'groupsnapshot',
      nameUuidLength: -1,
      extraCreateMetadata: false,
      nowMs: wholeMs.now(),
      createGiveUpMs: 300_000,
      classByName: (n) => (n === 'gold' ? { name: 'gold', driver: DRIVER, parameters: {} } : undefined),
    }),
  });
  const abort = new AbortController();
  const controller: RunningController = runController({ queue, workers: 2, reconcile, log: nullLogger, clock, signal: abort.signal });
  cleanups.push(async () => {
    abort.abort();
    await controller.stop();
    queue.shutDown();
  });
  const seed = (): void => {
    last = api.seed(content());
    handler('ADDED', undefined, last);
  };
  return { clock, api, snapshotter, rpcAt, queue, seed };
}

describe('a not-ready group snapshot', () => {
  test('is re-created on the poll schedule (1 s · 1.5ⁿ), and our own status and annotation writes never trigger a sync', async () => {
    const h = start();
    h.snapshotter.readyAnswers = Array.from({ length: 9 }, () => false);
    h.seed();
    await h.clock.advance(60_000);
    // 0, 1, 2.5, 4.75, 8.125, 13.19, 20.78, 32.17, 49.26 s — 9 RPCs in a minute, not one per write.
    expect(h.rpcAt.map((t) => Math.round(t))).toEqual([0, 1000, 2500, 4750, 8125, 13188, 20781, 32172, 49258]);
    expect(h.api.current(NAME)?.status?.readyToUse).toBe(false);
    expect(h.snapshotter.groups.size).toBe(1);
  });

  test('becomes ready on the next scheduled poll, and is then left alone', async () => {
    const h = start();
    h.snapshotter.readyAnswers = [false, false, false];
    h.seed();
    await h.clock.advance(10_000);
    expect(h.rpcAt).toEqual([0, 1000, 2500, 4750]);
    expect(h.api.current(NAME)?.status?.readyToUse).toBe(true);
    const writes = h.api.writes().length;
    await h.clock.advance(10 * 60_000);
    expect(h.rpcAt).toHaveLength(4);
    expect(h.api.writes().length).toBe(writes);
    expect(h.queue.pollCount(NAME)).toBeUndefined();
  });
});
