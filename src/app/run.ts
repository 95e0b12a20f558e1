// The sidecar's main sequence: signal handling, the CSI driver handshake, then (for now) waiting
// for a shutdown signal. Kubernetes informers, leader election and workers are added after the
// handshake (marked below). Returns the process exit code; bin/ calls process.exit with it.

import type { Clock } from '../base/clock.js';
import { systemClock } from '../base/clock.js';
import type { Options } from '../cli/options.js';
import { exitOnConnectionLoss } from '../csi/connection-loss.js';
import type { Logger } from '../observability/logger.js';
import { handshake, StartupError, type DriverInfo } from './driver-handshake.js';

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
}

const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

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
    terminationLogPath: deps.terminationLogPath,
    exit: (code) => finish(code, 'lost connection to CSI driver'),
  });

  try {
    const driver = await handshake({
      options,
      log,
      clock,
      signal: stop.signal,
      onConnectionLost,
      connectTimeoutMs: deps.connectTimeoutMs,
      probeIntervalMs: deps.probeIntervalMs,
    });
    try {
      logDriver(log, driver);
      // --- later: Kubernetes clients, informers, leader election, workers ---
      await untilAborted(stop.signal);
    } finally {
      driver.connection.close();
    }
    return exitCode;
  } catch (err) {
    if (err instanceof StartupError) {
      log.error(err.message, { err });
      return err.exitCode;
    }
    if (stop.signal.aborted) return exitCode; // stopped (or lost the driver) during start-up
    throw err;
  } finally {
    for (const name of SHUTDOWN_SIGNALS) process.off(name, onSignal);
    deps.stopSignal?.removeEventListener('abort', onExternalStop);
  }
}
