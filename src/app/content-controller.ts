// Wires the VolumeSnapshotContent controller: Kubernetes clients (one QPS bucket for every
// request), informers for contents and classes, the forward-only store, the work queue and the
// workers. Data flows one way: informer events → (filter) → queue → reconcile → effects.

import type { Clock } from '../base/clock.js';
import { TokenBucket } from '../base/token-bucket.js';
import type { Options } from '../cli/options.js';
import { runController } from '../controller/controller-loop.js';
import type { Snapshotter } from '../csi/snapshotter.js';
import { StepExecutor } from '../effects/step-executor.js';
import { EventRecorder } from '../kube/event-recorder.js';
import { Informer } from '../kube/informer.js';
import { loadKubeConfig } from '../kube/kube-config.js';
import { KubeTransport } from '../kube/kube-transport.js';
import { ObjectStore } from '../kube/object-store.js';
import { ResourceClient } from '../kube/resource-client.js';
import { VOLUME_SNAPSHOT_CLASS, VOLUME_SNAPSHOT_CONTENT } from '../kube/resources.js';
import { SecretReader } from '../kube/secret-reader.js';
import { userAgentFor } from '../kube/sidecar-kube-config.js';
import type { VolumeSnapshotClass, VolumeSnapshotContent } from '../kube/types.js';
import { volumeSnapshotContentKind } from '../kinds/volume-snapshot-content.js';
import type { Logger } from '../observability/logger.js';
import type { SidecarMetrics } from '../observability/metrics.js';
import { exponentialBackoff } from '../queue/backoff.js';
import { readinessPollSchedule } from '../queue/poll-schedule.js';
import { WorkQueue } from '../queue/work-queue.js';
import { contentReconciler } from '../reconcile/content-reconciler.js';
import { OwnWriteLog } from '../reconcile/own-write-log.js';
import { classifyChange } from '../snapshot/change-filter.js';
import { ANN_BEING_CREATED, LABEL_MANAGED_BY } from '../snapshot/keys.js';
import { formatGoDuration } from '../cli/go-duration.js';

export const CONTENT_QUEUE_NAME = 'csi-snapshotter-content';
/** After shutdown starts, in-flight reconciles get --timeout plus this before they are cancelled. */
const SHUTDOWN_GRACE_MS = 5_000;

export interface ContentControllerDeps {
  readonly options: Options;
  readonly version: string;
  readonly log: Logger;
  readonly clock: Clock;
  readonly driverName: string;
  readonly listSnapshotsSupported: boolean;
  readonly snapshotter: Snapshotter;
  readonly metrics: SidecarMetrics;
}

export interface RunningContentController {
  /** True once both informers listed everything. */
  synced(): boolean;
  /** Stops taking keys, waits for in-flight work (bounded), stops informers and flushes events. */
  stop(): Promise<void>;
  readonly done: Promise<void>;
}

export function startContentController(deps: ContentControllerDeps): RunningContentController {
  const { options, log, clock, driverName } = deps;
  const gate = new TokenBucket({ qps: options.kubeApiQps, burst: options.kubeApiBurst, clock });
  const kubeConfig = loadKubeConfig({
    kubeconfigPath: options.kubeconfig,
    env: { KUBERNETES_SERVICE_HOST: options.kubernetesServiceHost, KUBERNETES_SERVICE_PORT: options.kubernetesServicePort },
    userAgent: userAgentFor(deps.version),
    gate: {
      acquire: async (signal) => {
        const waitedMs = await gate.acquire(signal);
        deps.metrics.addThrottleSeconds(waitedMs / 1000);
      },
    },
  });
  const transport = new KubeTransport({ kubeConfig, clock, logger: log });
  const contents = new ResourceClient<VolumeSnapshotContent>(transport, VOLUME_SNAPSHOT_CONTENT);
  const classes = new ResourceClient<VolumeSnapshotClass>(transport, VOLUME_SNAPSHOT_CLASS);
  const labelSelector = options.nodeDeployment ? `${LABEL_MANAGED_BY}=${options.nodeName ?? ''}` : undefined;
  const contentInformer = new Informer<VolumeSnapshotContent>({ client: contents, transport, clock, logger: log, ...(labelSelector ? { labelSelector } : {}) });
  const classInformer = new Informer<VolumeSnapshotClass>({ client: classes, transport, clock, logger: log });
  const events = new EventRecorder({ transport, clock, logger: log, component: `csi-snapshotter ${driverName}` });
  const store = new ObjectStore<VolumeSnapshotContent>();
  const ownWrites = new OwnWriteLog();
  const queue = new WorkQueue<string>({
    name: CONTENT_QUEUE_NAME,
    clock,
    backoff: exponentialBackoff({ baseMs: options.retryIntervalStartMs, maxMs: options.retryIntervalMaxMs }),
    poll: readinessPollSchedule({ startMs: options.pollIntervalStartMs, maxMs: options.pollIntervalMaxMs }),
    metrics: deps.metrics.workQueue,
  });
  const executor = new StepExecutor({
    adapter: volumeSnapshotContentKind,
    api: contents,
    snapshotter: deps.snapshotter,
    secrets: new SecretReader(transport),
    events: { warning: (target, reason, message) => events.warning(target, reason, message) },
    ownWrites,
    clock,
    timeoutMs: options.timeoutMs,
    timeoutText: formatGoDuration(options.timeoutMs),
    log,
  });
  const reconcile = contentReconciler({
    adapter: volumeSnapshotContentKind,
    store,
    executor,
    log,
    context: () => ({
      driverName,
      listSnapshotsSupported: deps.listSnapshotsSupported,
      namePrefix: options.snapshotNamePrefix,
      nameUuidLength: options.snapshotNameUuidLength,
      extraCreateMetadata: options.extraCreateMetadata,
      classByName: (name) => {
        const c = classInformer.get(name);
        return c === undefined ? undefined : { name, driver: c.driver, parameters: c.parameters ?? {} };
      },
    }),
  });

  // Only this driver's contents with a source are ours (upstream isDriverMatch); others are never
  // stored, so memory follows our share of the cluster.
  const ours = (c: VolumeSnapshotContent): boolean =>
    c.spec?.driver === driverName && (Boolean(c.spec.source?.volumeHandle) || Boolean(c.spec.source?.snapshotHandle));

  contentInformer.onEvent((type, oldObj, obj) => {
    const name = obj.metadata.name;
    if (type === 'DELETED') {
      store.delete(name);
      ownWrites.forget(name);
      return;
    }
    if (!ours(obj)) return;
    let accepted: boolean;
    try {
      accepted = store.observe(obj);
    } catch (err) {
      log.error('Ignoring VolumeSnapshotContent with an invalid resourceVersion', { VolumeSnapshotContent: name, err });
      return;
    }
    if (!accepted) return; // older than what we wrote: a finished step must not run again
    if (type === 'ADDED' || oldObj === undefined) {
      queue.add(name, contentInformer.hasSynced() ? 'high' : 'low');
      return;
    }
    const verdict = classifyChange(oldObj, obj, { ownAnnotation: ANN_BEING_CREATED, isOwnWrite: (rv) => ownWrites.isOwn(name, rv) });
    if (verdict !== 'ignore') queue.add(name, verdict === 'resync' ? 'low' : 'high');
  });
  // A class that appears or changes may unblock contents that failed for want of it.
  classInformer.onEvent((type, _old, cls) => {
    if (type === 'DELETED') return;
    for (const c of store.list()) {
      if (c.spec.volumeSnapshotClassName === cls.metadata.name && c.status?.readyToUse !== true) queue.add(c.metadata.name, 'high');
    }
  });

  const stopInformers = new AbortController();
  const stopTaking = new AbortController();
  const hardStop = new AbortController();
  const informersDone = Promise.allSettled([contentInformer.run(stopInformers.signal), classInformer.run(stopInformers.signal)]);

  let resyncTimer: { cancel(): void } | undefined;
  const scheduleResync = (): void => {
    resyncTimer = clock.setTimer(() => {
      // A safety net, queued behind every new or changed object.
      for (const c of store.list()) queue.add(c.metadata.name, 'low');
      scheduleResync();
    }, options.resyncPeriodMs);
  };

  let synced = false;
  const done = (async () => {
    await Promise.all([contentInformer.waitForSync(stopTaking.signal), classInformer.waitForSync(stopTaking.signal)]);
    synced = true;
    log.info('Caches synced; starting workers', { workers: options.workerThreads, contents: store.size });
    scheduleResync();
    const controller = runController({
      queue,
      workers: options.workerThreads,
      log,
      clock,
      signal: stopTaking.signal,
      // In-flight work keeps running after shutdown starts, until it finishes or hits --timeout.
      reconcile: (key) => reconcile(key, hardStop.signal),
    });
    await controller.stopped;
  })().catch((err: unknown) => {
    if (!stopTaking.signal.aborted) throw err;
  });

  return {
    synced: () => synced,
    done,
    async stop() {
      stopTaking.abort(new Error('shutting down'));
      resyncTimer?.cancel();
      const grace = clock.setTimer(() => hardStop.abort(new Error('shutdown grace period over')), options.timeoutMs + SHUTDOWN_GRACE_MS);
      await done;
      grace.cancel();
      queue.shutDown();
      stopInformers.abort(new Error('shutting down'));
      await informersDone;
      await events.close();
    },
  };
}
