// The sidecar's main sequence: signal handling, metrics, the CSI driver handshake (in every
// replica, as upstream) with the diagnostics HTTP server started between GetPluginInfo and the
// readiness probe (where upstream starts it), leader election (with --leader-election),
// then the content controller until a signal or a lost Lease.
// Returns the process exit code; bin/ calls process.exit with it.

import type { Clock } from '../base/clock.js';
import { systemClock } from '../base/clock.js';
import { FEATURE_GATE_GROUP_SNAPSHOT, type Options } from '../cli/options.js';
import { exitOnConnectionLoss } from '../csi/connection-loss.js';
import type { Logger } from '../observability/logger.js';
import { readPackageVersion } from '../cli/cli-main.js';
import { createMetrics } from '../observability/metrics.js';
import { HttpEndpointError, startDiagnosticsServer } from '../observability/http-server.js';
import { KubeConfigError } from '../kube/kube-config-error.js';
import {
  CONTENT_QUEUE_NAME,
  GROUP_CONTENT_QUEUE_NAME,
  startContentController,
  type RunningContentController,
} from './content-controller.js';
import { handshake, StartupError, type DriverInfo } from './driver-handshake.js';
import { createLeaderElection, type SidecarLeaderElection } from './leader-election.js';
import { runCheckCommand } from './check-command.js';
import { runKubeChecks, runSocketCheck } from './startup-checks.js';
import { driverItems, logReport, type CheckItem } from './startup-report.js';
import type { Writable } from 'node:stream';
import { SyncFdWritable } from '../observability/winston-logger.js';

/** Test seams; production uses the defaults. */
export interface RunDeps {
  readonly clock?: Clock;
  /** Where the connection-loss message goes (default /dev/termination-log). */
  readonly terminationLogPath?: string;
  /** An extra stop request besides SIGTERM/SIGINT (tests). */
  readonly stopSignal?: AbortSignal;
  /** Passed through to the handshake (tests shorten upstream's fixed timings). */
  readonly connectTimeoutMs?: number;
  readonly probeIntervalMs?: number;
  /** Where --check prints its report (default: file descriptor 1). */
  readonly stdout?: Writable;
}

const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
/** Longest the start-up checks wait for the caches to sync before they run anyway. */
const CHECKS_START_MS = 2_000;

/** Resolves when `signal` aborts. */
function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

function logDriver(log: Logger, driver: DriverInfo): void {
  log.info('CSI driver ready', {
    driver: driver.driverName,
    controllerCapabilities: driver.controllerCapabilities,
    groupSnapshotsEnabled: driver.groupSnapshotsEnabled,
    groupControllerCapabilities: driver.groupControllerCapabilities,
  });
}

export async function runSidecar(options: Options, log: Logger, deps: RunDeps = {}): Promise<number> {
  const clock = deps.clock ?? systemClock;
  const version = readPackageVersion(import.meta.url);
  if (options.check) {
    const out = deps.stdout ?? new SyncFdWritable(1);
    return runCheckCommand({ options, log, clock, version, out, signal: deps.stopSignal ?? new AbortController().signal });
  }
  const stop = new AbortController();
  let exitCode = 0;
  const finish = (code: number, reason: string): void => {
    if (stop.signal.aborted) return;
    exitCode = code;
    stop.abort(new Error(reason));
  };

  const onSignal = (name: NodeJS.Signals): void => {
    log.info('Received signal, shutting down', { signal: name });
    finish(0, `received ${name}`);
  };
  for (const name of SHUTDOWN_SIGNALS) process.on(name, onSignal);
  const onExternalStop = (): void => finish(0, 'stop requested');
  deps.stopSignal?.addEventListener('abort', onExternalStop, { once: true });

  // Upstream exits on connection loss; we end the run with 1 instead of calling process.exit.
  const onConnectionLost = exitOnConnectionLoss({
    log,
    terminationLogPath: deps.terminationLogPath ?? options.terminationLogPath,
    exit: (code) => finish(code, 'lost connection to CSI driver'),
  });

  const metrics = createMetrics();
  // Upstream makes both queues (and so their workqueue_* series) in every replica before leader
  // election; registering them here keeps them visible at 0 from the first scrape, standby included.
  metrics.workQueue(CONTENT_QUEUE_NAME);
  if (options.featureGates.get(FEATURE_GATE_GROUP_SNAPSHOT) === true) metrics.workQueue(GROUP_CONTENT_QUEUE_NAME);
  let controller: RunningContentController | undefined;
  let http: { close(): Promise<void> } | undefined;
  let election: SidecarLeaderElection | undefined;
  let driverReady = false;
  // Start-up diagnostics (API server, CRDs, RBAC: ~20 requests and their answers) stay off the
  // path to the first action: they start once the content caches synced, or CHECKS_START_MS after
  // the driver answered if they have not (a standby; or an informer that cannot list, which is
  // what the report is there to explain). The report is logged when they answer; nothing waits.
  const checksDone = new AbortController();
  const checksMayStart = Promise.withResolvers<void>();
  const kubeChecks = checksMayStart.promise
    .then(() =>
      runKubeChecks({
        options,
        version,
        clock,
        log,
        signal: AbortSignal.any([stop.signal, checksDone.signal]),
        reportKubeConfigError: false,
      }),
    )
    .catch((): CheckItem[] => []);
  const serveDiagnostics = async (): Promise<void> => {
    const address = options.httpEndpoint || options.metricsAddress;
    if (address === '') return;
    http = await startDiagnosticsServer({
      address,
      metricsPath: options.metricsPath,
      registry: metrics.registry,
      // As upstream: the leader-election check only with --http-endpoint, not --metrics-address.
      // Until the elector exists it reports healthy, as client-go's HealthzAdaptor without an elector.
      ...(options.leaderElection && options.httpEndpoint !== '' ? { leaderElectionCheck: () => election?.check() } : {}),
      readiness: () => {
        if (!driverReady) return 'CSI driver not ready';
        // A standby has nothing to sync and must not hold up a rollout by looking unready.
        if (controller?.synced() || (election !== undefined && !election.leading())) return undefined;
        return 'caches not synced';
      },
    });
    log.info('Serving diagnostics', { address, metricsPath: options.metricsPath });
  };
  try {
    const driver = await handshake({
      options,
      log,
      clock,
      signal: stop.signal,
      onConnectionLost,
      observer: metrics.csiObserver,
      onDriverName: (name) => metrics.setDriverName(name),
      // Upstream serves /metrics (and later the leader-election check) before ProbeForever.
      beforeProbe: serveDiagnostics,
      connectTimeoutMs: deps.connectTimeoutMs,
      probeIntervalMs: deps.probeIntervalMs,
    });
    metrics.setDriverName(driver.driverName);
    driverReady = true;
    const checksTimer = clock.setTimer(() => checksMayStart.resolve(), CHECKS_START_MS, { unref: true });
    stop.signal.addEventListener('abort', () => checksTimer.cancel(), { once: true });
    try {
      logDriver(log, driver);
      // Logged when the API checks answer (see checksMayStart), without holding up leader election
      // and the controller: against a slow API server they would put seconds on every rollout.
      const items = driverItems({
        kind: 'ok',
        driverName: driver.driverName,
        controllerCapabilities: driver.controllerCapabilities,
        groupSnapshotsWanted: driver.groupSnapshotsEnabled,
        groupControllerCapabilities: driver.groupControllerCapabilities,
      });
      void Promise.all([kubeChecks, runSocketCheck(options)]).then(
        ([kube, socket]) => {
          if (!checksDone.signal.aborted) logReport({ items: [...kube, socket, ...items] }, log);
        },
        (err: unknown) => log.warn('Start-up check could not run', { err }),
      );
      // Everything above ran in every replica (upstream); informers and workers run only in the leader.
      if (options.leaderElection) {
        election = createLeaderElection({
          options,
          log,
          clock,
          driverName: driver.driverName,
          version,
          setLeader: (name, isLeader) => metrics.setLeader(name, isLeader),
        });
      }
      const leading = election === undefined || (await election.lead(stop.signal, () => finish(1, 'stopped leading')));
      if (leading && !stop.signal.aborted) {
        controller = startContentController({
          options,
          version,
          log,
          clock,
          driverName: driver.driverName,
          listSnapshotsSupported: driver.controllerCapabilities.listSnapshots,
          snapshotter: driver.snapshotter,
          metrics,
        });
        void controller.whenSynced.then(() => checksMayStart.resolve());
        const failed = controller.done.then(
          () => undefined,
          (err: unknown) => {
            log.error('Content controller failed', { err });
            finish(1, 'controller failed');
          },
        );
        await untilAborted(stop.signal);
        log.info('Shutting down: finishing in-flight work');
        await controller.stop();
        await failed;
      }
    } finally {
      // After in-flight work: release the Lease so a standby takes over at once.
      await election?.close();
      driver.connection.close();
    }
    return exitCode;
  } catch (err) {
    if (err instanceof StartupError) {
      log.error(err.message);
      return err.exitCode;
    }
    if (err instanceof KubeConfigError) {
      log.error(err.message); // the message ends with the remedy
      return 1;
    }
    if (err instanceof HttpEndpointError) {
      log.error(err.message); // upstream: klog.Fatalf, exit 255
      return 255;
    }
    if (stop.signal.aborted) return exitCode; // stopped (or lost the driver) during start-up
    throw err;
  } finally {
    checksDone.abort(new Error('start-up over'));
    await http?.close();
    for (const name of SHUTDOWN_SIGNALS) process.off(name, onSignal);
    deps.stopSignal?.removeEventListener('abort', onExternalStop);
  }
}
