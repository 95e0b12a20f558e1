// One controller per content kind, wired: informers for the contents and their classes, the
// forward-only store, the event source that turns their events into keys (controller/), the work
// queue (one queue name per kind, as upstream) and the workers. Everything here is kind-neutral; a
// kind contributes only its adapter, its resource coordinates and its name flags.
// Kubernetes access (transport, QPS bucket, events, secrets) is shared and owned by the caller.

import type { Clock } from '../base/clock.js';
import type { InflightLimiter } from '../base/inflight-limiter.js';
import { formatGoDuration } from '../cli/go-duration.js';
import type { Options } from '../cli/options.js';
import { contentEventSource, type ContentObject } from '../controller/content-event-source.js';
import { runController } from '../controller/controller-loop.js';
import type { Result } from '../controller/result.js';
import type { Snapshotter } from '../csi/snapshotter.js';
import type { EventSink, SecretSource } from '../effects/ports.js';
import { slotId, StepExecutor } from '../effects/step-executor.js';
import { Informer } from '../kube/informer.js';
import type { KubeTransport } from '../kube/kube-transport.js';
import { ObjectStore } from '../kube/object-store.js';
import { ResourceClient } from '../kube/resource-client.js';
import type { ResourceCoordinates } from '../kube/resources.js';
import type { KubeObject } from '../kube/types.js';
import type { KindAdapter } from '../kinds/kind-adapter.js';
import type { Logger } from '../observability/logger.js';
import type { ContentKind } from '../snapshot/kind-vocabulary.js';
import type { SidecarMetrics } from '../observability/metrics.js';
import { exponentialBackoff } from '../queue/backoff.js';
import { readinessPollSchedule } from '../queue/poll-schedule.js';
import { startResync } from '../queue/resync.js';
import { WorkQueue } from '../queue/work-queue.js';
import { contentReconciler } from '../reconcile/content-reconciler.js';
import { CONTENT_STATES } from '../snapshot/content-state.js';
import { contentStateProbe } from './content-state-probe.js';

/** After shutdown starts, in-flight reconciles get --timeout plus this before they are cancelled. */
const SHUTDOWN_GRACE_MS = 5_000;

/** A (group) snapshot class: both kinds carry driver and parameters at the top level. */
export interface ClassObject extends KubeObject {
  readonly driver: string;
  readonly parameters?: Readonly<Record<string, string>>;
}

/** What one kind contributes. */
export interface KindWiring<T extends ContentObject> {
  readonly adapter: KindAdapter<T>;
  readonly contents: ResourceCoordinates;
  readonly classes: ResourceCoordinates;
  /** Upstream's queue name (the `name` label of the workqueue metrics). */
  readonly queueName: string;
  /** --snapshot-name-prefix / --groupsnapshot-name-prefix and their uuid lengths. */
  readonly namePrefix: string;
  readonly nameUuidLength: number;
  /** Server-side content filter (node mode). */
  readonly labelSelector?: string;
}

/** What the process gives the content controllers: flags, logging, time, the driver and metrics. */
export interface ControllerBasics {
  readonly options: Options;
  readonly log: Logger;
  readonly clock: Clock;
  readonly driverName: string;
  readonly listSnapshotsSupported: boolean;
  readonly snapshotter: Snapshotter;
  readonly metrics: SidecarMetrics;
}

/** What every kind shares: the basics and the Kubernetes access built once for both kinds. */
export interface KindControllerDeps extends ControllerBasics {
  /** The snapshot API client (upstream snapClient): informers and content writes. */
  readonly transport: KubeTransport;
  readonly events: EventSink;
  readonly secrets: SecretSource;
  /** --max-inflight-creates/-deletes; undefined when neither is set (no limit, as upstream). */
  readonly limiter?: InflightLimiter;
}

export interface RunningKindController {
  /** True once both informers listed everything. */
  synced(): boolean;
  /** Resolves when synced() becomes true (never, if the controller stops first). */
  readonly whenSynced: Promise<void>;
  /** Stops taking keys, waits for in-flight work (bounded), stops the informers. */
  stop(): Promise<void>;
  /** Settles when the workers have stopped; rejects if the controller failed. */
  readonly done: Promise<void>;
}

/**
 * Tells the limiter where each pass of a key starts and ends: a reservation made for the key
 * before its pass started that the pass did not take (the object is gone, ready, or needs another
 * call) goes to the next waiter at once instead of idling until it expires.
 */
export function withSlotPasses(deps: {
  readonly reconcile: (key: string, signal: AbortSignal) => Promise<Result>;
  readonly limiter: InflightLimiter;
  readonly kind: ContentKind;
  readonly store: { get(name: string): unknown };
}): (key: string, signal: AbortSignal) => Promise<Result> {
  const { reconcile, limiter, kind, store } = deps;
  return async (key, signal) => {
    const started = limiter.passStarted();
    try {
      return await reconcile(key, signal);
    } finally {
      if (store.get(key) === undefined) limiter.forget(slotId(kind, key));
      else limiter.passEnded(slotId(kind, key), started);
    }
  };
}

export function startKindController<T extends ContentObject>(wiring: KindWiring<T>, deps: KindControllerDeps): RunningKindController {
  const { options, clock, driverName, transport } = deps;
  const adapter = wiring.adapter;
  const log = deps.log.with({ controller: adapter.vocabulary.kind });
  const contents = new ResourceClient<T>(transport, wiring.contents);
  const classes = new ResourceClient<ClassObject>(transport, wiring.classes);
  const selector = wiring.labelSelector === undefined ? {} : { labelSelector: wiring.labelSelector };
  const contentInformer = new Informer<T>({ client: contents, transport, clock, logger: log, ...selector });
  const classInformer = new Informer<ClassObject>({ client: classes, transport, clock, logger: log });
  const store = new ObjectStore<T>();
  const queue = new WorkQueue<string>({
    name: wiring.queueName,
    clock,
    backoff: exponentialBackoff({ baseMs: options.retryIntervalStartMs, maxMs: options.retryIntervalMaxMs }),
    poll: readinessPollSchedule({ startMs: options.pollIntervalStartMs, maxMs: options.pollIntervalMaxMs }),
    metrics: deps.metrics.workQueue,
  });
  // Informer events in, queue keys out; it alone reads back what the executor's writes record.
  const intake = contentEventSource<T, ClassObject>({
    adapter,
    driverName,
    store,
    enqueue: (key, priority) => queue.add(key, priority),
    listed: () => contentInformer.hasSynced(),
    log,
  });
  const executor = new StepExecutor({
    adapter,
    api: contents,
    snapshotter: deps.snapshotter,
    secrets: deps.secrets,
    events: deps.events,
    ownWrites: intake.ownWrites,
    clock,
    timeoutMs: options.timeoutMs,
    timeoutText: formatGoDuration(options.timeoutMs),
    log,
    onPossibleOrphan: (kind) => deps.metrics.countPossibleOrphan(kind),
    ...(deps.limiter === undefined ? {} : { slots: { limiter: deps.limiter, wake: (name: string) => queue.add(name) } }),
  });
  const kind = adapter.vocabulary.kind;
  deps.metrics.bindContentStates(kind, CONTENT_STATES, contentStateProbe({ adapter, store, driverName, clock }));
  const reconcile = contentReconciler({
    adapter,
    store,
    executor,
    log,
    observer: deps.metrics.contentObserver(kind),
    context: () => ({
      driverName,
      listSnapshotsSupported: deps.listSnapshotsSupported,
      namePrefix: wiring.namePrefix,
      nameUuidLength: wiring.nameUuidLength,
      extraCreateMetadata: options.extraCreateMetadata,
      nowMs: clock.now(),
      createGiveUpMs: options.ambiguousCreateGiveUpMs,
      classByName: (name) => {
        const c = classInformer.get(name);
        return c === undefined ? undefined : { name, driver: c.driver, parameters: c.parameters ?? {} };
      },
    }),
  });

  const reconcileWithSlots = deps.limiter === undefined ? reconcile : withSlotPasses({ reconcile, limiter: deps.limiter, kind: adapter.vocabulary.kind, store });

  contentInformer.onEvent(intake.onContent);
  classInformer.onEvent(intake.onClass);

  const stopInformers = new AbortController();
  const stopTaking = new AbortController();
  const hardStop = new AbortController();
  const informersDone = Promise.allSettled([contentInformer.run(stopInformers.signal), classInformer.run(stopInformers.signal)]);

  let resyncTimer: { cancel(): void } | undefined;
  const scheduleResync = (): void => {
    // A safety net, queued behind every new or changed object; --resync-period=0 turns it off.
    resyncTimer = startResync({
      clock,
      periodMs: options.resyncPeriodMs,
      keys: () => store.list().map((c) => c.metadata.name),
      add: (key) => queue.add(key, 'low'),
    });
  };

  let synced = false;
  const whenSynced = Promise.withResolvers<void>();
  const done = (async () => {
    await Promise.all([contentInformer.waitForSync(stopTaking.signal), classInformer.waitForSync(stopTaking.signal)]);
    synced = true;
    whenSynced.resolve();
    log.info('Caches synced; starting workers', { queue: wiring.queueName, workers: options.workerThreads, contents: store.size });
    scheduleResync();
    const controller = runController({
      queue,
      workers: options.workerThreads,
      log,
      clock,
      signal: stopTaking.signal,
      // In-flight work keeps running after shutdown starts, until it finishes or hits --timeout.
      reconcile: (key) => reconcileWithSlots(key, hardStop.signal),
    });
    await controller.stopped;
  })().catch((err: unknown) => {
    if (!stopTaking.signal.aborted) throw err;
  });

  return {
    synced: () => synced,
    whenSynced: whenSynced.promise,
    done,
    async stop() {
      stopTaking.abort(new Error('shutting down'));
      resyncTimer?.cancel();
      const grace = clock.setTimer(() => hardStop.abort(new Error('shutdown grace period over')), options.timeoutMs + SHUTDOWN_GRACE_MS);
      await done.catch(() => undefined);
      grace.cancel();
      queue.shutDown();
      stopInformers.abort(new Error('shutting down'));
      await informersDone;
    },
  };
}
