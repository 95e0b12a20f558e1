// Wires the content controllers of both kinds over one set of Kubernetes clients (upstream's two:
// the snapshot API client and the core API client for Secrets and Events, each with its own QPS
// bucket; one event recorder): VolumeSnapshotContent always, VolumeGroupSnapshotContent
// when group support is wanted and the group API answers (./group-snapshot-api.ts). The two kinds
// share everything but their adapter, coordinates, queue name and name flags (./kind-controller.ts).

import type { Clock } from '../base/clock.js';
import { InflightLimiter } from '../base/inflight-limiter.js';
import { FEATURE_GATE_GROUP_SNAPSHOT, type Options } from '../cli/options.js';
import { EventRecorder } from '../kube/event-recorder.js';
import { KubeTransport } from '../kube/kube-transport.js';
import { ResourceClient } from '../kube/resource-client.js';
import {
  VOLUME_GROUP_SNAPSHOT_CLASS,
  VOLUME_GROUP_SNAPSHOT_CONTENT,
  VOLUME_SNAPSHOT_CLASS,
  VOLUME_SNAPSHOT_CONTENT,
} from '../kube/resources.js';
import { SecretReader } from '../kube/secret-reader.js';
import type { KubeObject } from '../kube/types.js';
import { volumeGroupSnapshotContentKind } from '../kinds/volume-group-snapshot-content.js';
import { volumeSnapshotContentKind } from '../kinds/volume-snapshot-content.js';
import type { Logger } from '../observability/logger.js';
import { LABEL_MANAGED_BY } from '../snapshot/keys.js';
import { loadControllerApiClients } from './api-client-config.js';
import { decideGroupSnapshotSupport, type GroupSnapshotSupport } from './group-snapshot-api.js';
import { startKindController, type ControllerBasics, type KindControllerDeps, type RunningKindController } from './kind-controller.js';

export const CONTENT_QUEUE_NAME = 'csi-snapshotter-content';
export const GROUP_CONTENT_QUEUE_NAME = 'csi-snapshotter-groupsnapshotcontent';

export type { GroupSnapshotSupport } from './group-snapshot-api.js';

export interface ContentControllerDeps extends ControllerBasics {
  readonly version: string;
  /**
   * Whether group snapshots are wanted (run.ts passes DriverInfo.groupSnapshotsEnabled). Default:
   * the CSIVolumeGroupSnapshot gate. The group API check and the node-mode refusal happen here.
   */
  readonly groupSnapshots?: boolean;
}

export interface RunningContentController {
  /** True once every running controller's informers listed everything (and the group check answered). */
  synced(): boolean;
  /** Resolves when the VolumeSnapshotContent caches synced (the group kind is not waited for). */
  readonly whenSynced: Promise<void>;
  /** The group snapshot decision ('pending' until the group API answered). */
  groupSnapshots(): GroupSnapshotSupport;
  /** Stops taking keys, waits for in-flight work (bounded), stops informers and flushes events. */
  stop(): Promise<void>;
  readonly done: Promise<void>;
}

/**
 * One limiter for both kinds (they share the driver and its volumes), or none when neither
 * --max-inflight-* flag is set: then every call goes at once, as upstream.
 */
function backendLimiter(options: Options, clock: Clock, log: Logger): InflightLimiter | undefined {
  if (options.maxInflightCreates <= 0 && options.maxInflightDeletes <= 0) return undefined;
  log.info('Backend concurrency limit on', {
    maxInflightCreates: options.maxInflightCreates > 0 ? options.maxInflightCreates : 'unlimited',
    maxInflightDeletes: options.maxInflightDeletes > 0 ? options.maxInflightDeletes : 'unlimited',
    perSourceVolume: 1,
  });
  return new InflightLimiter({ maxCreates: options.maxInflightCreates, maxDeletes: options.maxInflightDeletes, clock });
}

export function startContentController(deps: ContentControllerDeps): RunningContentController {
  const { options, log, clock, driverName } = deps;
  const clients = loadControllerApiClients({
    options,
    version: deps.version,
    clock,
    onThrottled: (waitedMs) => deps.metrics.addThrottleSeconds(waitedMs / 1000),
  });
  // Snapshot API (contents, classes) and core API (Secrets, Events): two buckets, as upstream.
  const transport = new KubeTransport({ kubeConfig: clients.snapshot, clock, logger: log });
  const coreTransport = new KubeTransport({ kubeConfig: clients.core, clock, logger: log });
  const events = new EventRecorder({ transport: coreTransport, clock, logger: log, component: `csi-snapshotter ${driverName}` });
  const shared: KindControllerDeps = {
    options,
    log,
    clock,
    driverName,
    listSnapshotsSupported: deps.listSnapshotsSupported,
    snapshotter: deps.snapshotter,
    metrics: deps.metrics,
    transport,
    events: { warning: (target, reason, message) => events.warning(target, reason, message) },
    secrets: new SecretReader(coreTransport),
    limiter: backendLimiter(options, clock, log),
  };

  const single = startKindController(
    {
      adapter: volumeSnapshotContentKind,
      contents: VOLUME_SNAPSHOT_CONTENT,
      classes: VOLUME_SNAPSHOT_CLASS,
      queueName: CONTENT_QUEUE_NAME,
      namePrefix: options.snapshotNamePrefix,
      nameUuidLength: options.snapshotNameUuidLength,
      ...(options.nodeDeployment ? { labelSelector: `${LABEL_MANAGED_BY}=${options.nodeName ?? ''}` } : {}),
    },
    shared,
  );

  const stopping = new AbortController();
  let support: GroupSnapshotSupport = 'pending';
  let group: RunningKindController | undefined;
  const probe = (client: ResourceClient<KubeObject>) => (signal: AbortSignal) => client.list({ limit: 1, signal });
  const groupDone = (async () => {
    support = await decideGroupSnapshotSupport({
      wanted: deps.groupSnapshots ?? options.featureGates.get(FEATURE_GATE_GROUP_SNAPSHOT) === true,
      nodeDeployment: options.nodeDeployment,
      probes: {
        contents: probe(new ResourceClient(transport, VOLUME_GROUP_SNAPSHOT_CONTENT)),
        classes: probe(new ResourceClient(transport, VOLUME_GROUP_SNAPSHOT_CLASS)),
      },
      timeoutMs: options.timeoutMs,
      clock,
      signal: stopping.signal,
      log,
    });
    log.info('VolumeGroupSnapshot support', { groupSnapshots: support });
    // stop() may have run while the check was answering: never start what nobody will stop.
    if (support !== 'enabled' || stopping.signal.aborted) return;
    group = startKindController(
      {
        adapter: volumeGroupSnapshotContentKind,
        contents: VOLUME_GROUP_SNAPSHOT_CONTENT,
        classes: VOLUME_GROUP_SNAPSHOT_CLASS,
        queueName: GROUP_CONTENT_QUEUE_NAME,
        namePrefix: options.groupSnapshotNamePrefix,
        nameUuidLength: options.groupSnapshotNameUuidLength,
      },
      shared,
    );
    await group.done;
  })().catch((err: unknown) => {
    if (!stopping.signal.aborted) throw err;
  });

  return {
    synced: () => single.synced() && support !== 'pending' && (group === undefined || group.synced()),
    groupSnapshots: () => support,
    whenSynced: single.whenSynced,
    done: Promise.all([single.done, groupDone]).then(() => undefined),
    async stop() {
      stopping.abort(new Error('shutting down'));
      await Promise.all([single.stop(), group?.stop()]);
      await groupDone.catch(() => undefined);
      await events.close();
      await clients.close();
    },
  };
}
