// The Prometheus metrics, with upstream's names, labels and buckets first (dashboards built for
// the Go sidecar keep working) and ours beside them. One private registry per process; no label
// carries an object name, so the series count never grows with the number of contents.
//
// This is the bottom layer: it imports none of the layers that feed it. The producers own their
// observer contracts (csi/interceptor.ts CsiCallObserver, queue/work-queue-metrics.ts
// WorkQueueMetricsProvider, reconcile/reconcile-observer.ts ReconcileObserver); the shapes below
// are what this module accepts, and the compiler checks them against those contracts where app/
// hands `csiObserver` to the CSI connection and `workQueue` to each WorkQueue.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, exponentialBuckets } from 'prom-client';

/** csi-lib-utils' buckets for csi_sidecar_operations_seconds. */
const CSI_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 25, 50, 120, 300, 600];
/** Creation to ready: from a fast local driver (well under a second) to cloud snapshots (an hour). */
const READY_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** component-base workqueue buckets: 1e-8 … 10 s. */
const WORKQUEUE_BUCKETS = exponentialBuckets(1e-8, 10, 10);

export interface SidecarMetrics {
  readonly registry: Registry;
  /** Records CSI calls; samples before the driver name is known carry "unknown-driver", as upstream. */
  readonly csiObserver: CsiCallMetrics;
  setDriverName(name: string): void;
  /** Implements queue/'s WorkQueueMetricsProvider: the hooks of the queue named `name`. */
  readonly workQueue: (name: string) => QueueMetricsHooks;
  setLeader(leaseName: string, isLeader: boolean): void;
  /** A create given up on after deletion was requested: a snapshot may remain on the backend (ours). */
  countPossibleOrphan(kind: string): void;
  /** Seconds requests waited in the client-side QPS limiter (ours). */
  addThrottleSeconds(seconds: number): void;
  /**
   * Contents by state and the oldest unready one, read from the caller's cache on every scrape
   * (ours). `states` is the closed list of state names; each one is exported, at 0 when empty.
   */
  bindContentStates(kind: string, states: readonly string[], probe: () => ContentStateSample): void;
  /** The reconciler's observer for one kind (ours); its series exist at 0 from this call. */
  contentObserver(kind: string): ContentMetrics;
}

/** One finished CSI call, as csi/'s interceptor reports it. */
export interface CsiCallRecord {
  /** Full gRPC method, e.g. `/csi.v1.Controller/CreateSnapshot`. */
  readonly method: string;
  readonly seconds: number;
  /** Go-style gRPC status name (`OK`, `DeadlineExceeded`, …) or `unknown-non-grpc`. */
  readonly code: string;
}

/** Implements csi/'s CsiCallObserver (structurally). */
export interface CsiCallMetrics {
  observe(sample: CsiCallRecord): void;
}

/** A queue's in-flight work, read at scrape time. */
export interface QueueInFlightSample {
  readonly unfinishedWorkSeconds: number;
  readonly longestRunningProcessorSeconds: number;
}

/** Implements queue/'s WorkQueueMetrics (structurally): client-go's workqueue hooks for one queue. */
export interface QueueMetricsHooks {
  depth(n: number): void;
  add(): void;
  queueDuration(seconds: number): void;
  workDuration(seconds: number): void;
  retry(): void;
  bindInFlight(probe: () => QueueInFlightSample): void;
}

export interface ContentStateSample {
  /** State name → number of contents of our driver in that state. */
  readonly counts: Readonly<Record<string, number>>;
  /** Age of the oldest content neither ready nor deleting; 0 when there is none. */
  readonly oldestUnreadySeconds: number;
}

/** Implements reconcile/'s ReconcileObserver (structurally; observability imports no domain code). */
export interface ContentMetrics {
  retry(operation: string, code: string): void;
  deletionBlocked(reason: string): void;
  becameReady(seconds: number): void;
}

const EVENT_LOOP_SAMPLE_MS = 100;

export function createMetrics(options: { readonly defaultMetrics?: boolean } = {}): SidecarMetrics {
  const registry = new Registry();
  // prom-client samples event-loop delay every 10 ms by default: a wake-up that cost 5.1 ms of CPU
  // per second in an idle process (measured), more than the sidecar's own idle work. Every 100 ms
  // costs 0.5 ms/s and still shows the loop delays worth alerting on.
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  let driverName = 'unknown-driver';

  const operations = new Histogram({
    name: 'csi_sidecar_operations_seconds',
    help: '[ALPHA] Container Storage Interface operation duration with gRPC error code status total',
    labelNames: ['driver_name', 'method_name', 'grpc_status_code'],
    buckets: CSI_BUCKETS,
    registers: [registry],
  });
  const csiObserver: CsiCallMetrics = {
    observe(sample: CsiCallRecord) {
      operations.observe({ driver_name: driverName, method_name: sample.method, grpc_status_code: sample.code }, sample.seconds);
    },
  };

  const depth = new Gauge({ name: 'workqueue_depth', help: '[BETA] Current depth of workqueue', labelNames: ['name'], registers: [registry] });
  const adds = new Counter({ name: 'workqueue_adds_total', help: '[BETA] Total number of adds handled by workqueue', labelNames: ['name'], registers: [registry] });
  const queueDuration = new Histogram({
    name: 'workqueue_queue_duration_seconds',
    help: '[BETA] How long in seconds an item stays in workqueue before being requested.',
    labelNames: ['name'],
    buckets: WORKQUEUE_BUCKETS,
    registers: [registry],
  });
  const workDuration = new Histogram({
    name: 'workqueue_work_duration_seconds',
    help: '[BETA] How long in seconds processing an item from workqueue takes.',
    labelNames: ['name'],
    buckets: WORKQUEUE_BUCKETS,
    registers: [registry],
  });
  const retries = new Counter({ name: 'workqueue_retries_total', help: '[BETA] Total number of retries handled by workqueue', labelNames: ['name'], registers: [registry] });
  // Every queue name seen so far; its in-flight gauges read 0 until a queue binds its probe.
  const probes = new Map<string, (() => QueueInFlightSample) | undefined>();
  new Gauge({
    name: 'workqueue_unfinished_work_seconds',
    help: '[BETA] How many seconds of work has been done that is in progress and hasn\'t been observed by work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.',
    labelNames: ['name'],
    registers: [registry],
    collect() {
      for (const [name, probe] of probes) this.set({ name }, probe?.().unfinishedWorkSeconds ?? 0);
    },
  });
  new Gauge({
    name: 'workqueue_longest_running_processor_seconds',
    help: '[BETA] How many seconds has the longest running processor for workqueue been running.',
    labelNames: ['name'],
    registers: [registry],
    collect() {
      for (const [name, probe] of probes) this.set({ name }, probe?.().longestRunningProcessorSeconds ?? 0);
    },
  });
  const hooks = (name: string): QueueMetricsHooks => ({
    depth: (n) => depth.set({ name }, n),
    add: () => adds.inc({ name }),
    queueDuration: (s) => queueDuration.observe({ name }, s),
    workDuration: (s) => workDuration.observe({ name }, s),
    retry: () => retries.inc({ name }),
    bindInFlight: (probe) => {
      probes.set(name, probe);
    },
  });
  // As component-base's workqueue provider: the series of a queue exist (at 0) from the moment it is
  // named, before any add, so dashboards and alerts see the queue on a standby replica too.
  const workQueue = (name: string): QueueMetricsHooks => {
    if (!probes.has(name)) {
      probes.set(name, undefined);
      depth.set({ name }, 0);
      adds.inc({ name }, 0);
      retries.inc({ name }, 0);
      queueDuration.zero({ name });
      workDuration.zero({ name });
    }
    return hooks(name);
  };

  const leader = new Gauge({
    name: 'leader_election_master_status',
    help: '[ALPHA] Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. \'name\' is the string used to identify the lease. Please make sure to group by name.',
    labelNames: ['name'],
    registers: [registry],
  });
  const throttle = new Counter({
    name: 'csi_snapshotter_kube_client_throttle_seconds_total',
    help: 'Seconds Kubernetes API requests waited in the client-side --kube-api-qps/--kube-api-burst limiter.',
    registers: [registry],
  });
  const orphans = new Counter({
    name: 'csi_snapshotter_possible_orphans_total',
    help: 'Creates whose outcome was still unknown when --ambiguous-create-give-up after the deletion request passed: the being-created annotation was released, and a snapshot may remain on the backend (see the Warning event on the content).',
    labelNames: ['driver_name', 'kind'],
    registers: [registry],
  });

  const stateProbes = new Map<string, { readonly states: readonly string[]; readonly probe: () => ContentStateSample }>();
  let lastSample = new Map<string, ContentStateSample>();
  const sample = (kind: string): ContentStateSample | undefined => lastSample.get(kind);
  new Gauge({
    name: 'csi_snapshotter_contents',
    help: 'Contents of this driver in the informer cache by state: pending, creating, ready, error, deleting (see the README for the definitions).',
    labelNames: ['driver_name', 'kind', 'state'],
    registers: [registry],
    collect() {
      // One probe call per kind per scrape; the age gauge below reads the same sample.
      lastSample = new Map([...stateProbes].map(([kind, p]) => [kind, p.probe()]));
      this.reset();
      for (const [kind, p] of stateProbes) {
        const counts = sample(kind)?.counts ?? {};
        for (const state of p.states) this.set({ driver_name: driverName, kind, state }, counts[state] ?? 0);
      }
    },
  });
  new Gauge({
    name: 'csi_snapshotter_oldest_unready_content_age_seconds',
    help: 'Age (since metadata.creationTimestamp) of the oldest content of this driver that is neither ready nor being deleted; 0 when there is none.',
    labelNames: ['driver_name', 'kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const kind of stateProbes.keys()) this.set({ driver_name: driverName, kind }, sample(kind)?.oldestUnreadySeconds ?? 0);
    },
  });
  const readySeconds = new Histogram({
    name: 'csi_snapshotter_content_ready_seconds',
    help: 'Time from a content\'s metadata.creationTimestamp until this sidecar recorded it ready (observed once, on the transition it made).',
    labelNames: ['driver_name', 'kind'],
    buckets: READY_BUCKETS,
    registers: [registry],
  });
  const opRetries = new Counter({
    name: 'csi_snapshotter_operation_retries_total',
    help: 'Failed steps sent to the --retry-interval-start/--retry-interval-max back-off, by operation (create, refresh, delete, update) and gRPC code (none: not a CSI error).',
    labelNames: ['driver_name', 'kind', 'operation', 'grpc_status_code'],
    registers: [registry],
  });
  const deletionBlocked = new Counter({
    name: 'csi_snapshotter_deletion_blocked_total',
    help: 'Reconcile passes of a content whose deletion was requested that ended without finishing it, by reason.',
    labelNames: ['driver_name', 'kind', 'reason'],
    registers: [registry],
  });

  return {
    registry,
    bindContentStates: (kind, states, probe) => {
      stateProbes.set(kind, { states, probe });
    },
    contentObserver: (kind) => {
      readySeconds.zero({ driver_name: driverName, kind });
      return {
        retry: (operation, code) => opRetries.inc({ driver_name: driverName, kind, operation, grpc_status_code: code }),
        deletionBlocked: (reason) => deletionBlocked.inc({ driver_name: driverName, kind, reason }),
        becameReady: (seconds) => readySeconds.observe({ driver_name: driverName, kind }, seconds),
      };
    },
    countPossibleOrphan: (kind) => orphans.inc({ driver_name: driverName, kind }),
    csiObserver,
    setDriverName: (name) => {
      driverName = name;
    },
    workQueue,
    setLeader: (leaseName, isLeader) => leader.set({ name: leaseName }, isLeader ? 1 : 0),
    addThrottleSeconds: (s) => {
      if (s > 0) throttle.inc(s);
    },
  };
}
