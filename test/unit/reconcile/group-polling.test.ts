// A group the driver reports not ready is polled on the readiness-poll schedule, not in a loop:
// the real WorkQueue and controller loop on virtual time, the shared reconciler with the group
// adapter, and every API write fed back through the informer event routing the way the watch
// would deliver it. Upstream #1488: its own writes re-triggered the group sync and re-sent
// CreateVolumeGroupSnapshot about every 800 ms; here the RPC count follows the schedule exactly.
import { describe, expect, test } from '@jest/globals';
import { contentEventHandler } from '../../../src/controller/content-event-source.js';
import type { Clock } from '../../../src/base/clock.js';
import { runController, type RunningController } from '../../../src/controller/controller-loop.js';
import type { VolumeGroupSnapshotContent } from '../../../src/kube/types.js';
import { volumeGroupSnapshotContentKind as kind } from '../../../src/kinds/volume-group-snapshot-content.js';
import { nullLogger } from '../../../src/observability/logger.js';
import * as K from '../../../src/snapshot/keys.js';
import { classLookup, decisionContext, reconcileHarness } from '../../support/reconcile-harness.js';
import { cleanupsAfterEach } from '../../support/cleanups.js';
import { defaultQueue } from '../../support/default-queue.js';
import { VirtualClock } from '../../support/virtual-clock.js';

const DRIVER = 'csi-mock-plugin';
const NAME = 'groupcontent1';

const cleanups = cleanupsAfterEach();

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
  // Poll delays of 1.5ⁿ s are fractional on virtual time, and StepExecutor turns clock.now() into
  // BigInt nanoseconds, which needs an integer (the system clock always gives one): whole ms here.
  const wholeMs: Clock = { now: () => Math.floor(clock.now()), monotonic: () => clock.monotonic(), setTimer: (fn, ms) => clock.setTimer(fn, ms), sleep: (ms, signal) => clock.sleep(ms, signal) };
  const { api, snapshotter, store, ownWrites, reconcile } = reconcileHarness({
    adapter: kind,
    clock: wholeMs,
    context: () => decisionContext({
      driverName: DRIVER,
      namePrefix: 'groupsnapshot',
      nowMs: wholeMs.now(),
      classByName: classLookup({ name: 'gold', driver: DRIVER, parameters: {} }),
    }),
  });
  const rpcAt: number[] = [];
  const create = snapshotter.createVolumeGroupSnapshot.bind(snapshotter);
  snapshotter.createVolumeGroupSnapshot = async (request) => {
    rpcAt.push(clock.monotonic());
    return create(request);
  };
  const queue = defaultQueue(clock, 'csi-snapshotter-groupsnapshotcontent');
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
