// Start-up conversation with the CSI driver, upstream main.go steps 9–15 in order
// (upstream-sidecar.md §2): dial (30 s), GetPluginInfo, (the caller's beforeProbe: upstream starts
// its HTTP server here), Probe until ready, check
// CREATE_DELETE_SNAPSHOT, and — only with the CSIVolumeGroupSnapshot gate — ask the
// GroupController for its capabilities (advisory). Every RPC carries its own --timeout deadline.
// Any failure is a StartupError carrying the process exit code; the connection is closed then.

import type { Clock } from '../base/clock.js';
import { CodedError } from '../base/coded-error.js';
import { FEATURE_GATE_GROUP_SNAPSHOT, type Options } from '../cli/options.js';
import {
  parseControllerCapabilities,
  parseGroupControllerCapabilities,
  type ControllerCapabilities,
  type GroupControllerCapabilities,
} from '../csi/capabilities.js';
import { connect, type CsiConnection } from '../csi/connection.js';
import { CsiClient } from '../csi/csi-client.js';
import { CsiRpcError } from '../csi/grpc-errors.js';
import { GrpcSnapshotter } from '../csi/grpc-snapshotter.js';
import type { CsiCallObserver } from '../csi/interceptor.js';
import type { Snapshotter } from '../csi/snapshotter.js';
import type { CallBudget } from '../csi/unary-call.js';
import type { Logger } from '../observability/logger.js';

export type StartupErrorCode =
  | 'CsiConnectFailed'
  | 'DriverNameFailed'
  | 'DriverNotReady'
  | 'CapabilitiesFailed'
  | 'SnapshotsUnsupported';

/**
 * A fatal start-up condition; the process should exit with `exitCode` (upstream: 1). The message
 * embeds the cause's, so the remedy is the cause's too.
 */
export class StartupError extends CodedError<StartupErrorCode> {
  override readonly name = 'StartupError';
  readonly exitCode: number;

  constructor(code: StartupErrorCode, message: string, cause?: unknown) {
    super(code, message, { cause, remedy: cause instanceof CodedError ? cause.remedy : '' });
    this.exitCode = 1;
  }
}

export interface DriverInfo {
  readonly driverName: string;
  readonly controllerCapabilities: ControllerCapabilities;
  /** Whether group snapshot controllers should run (the gate; upstream keeps them on even if the driver lacks the capability). */
  readonly groupSnapshotsEnabled: boolean;
  /** null when the gate is off or the driver could not be asked. */
  readonly groupControllerCapabilities: GroupControllerCapabilities | null;
  readonly snapshotter: Snapshotter;
  /** Owned by the caller from now on: close it at shutdown. */
  readonly connection: CsiConnection;
}

export interface HandshakeParams {
  readonly options: Options;
  readonly log: Logger;
  readonly clock: Clock;
  /** Aborting stops the handshake (rejects with the signal's reason, not a StartupError). */
  readonly signal?: AbortSignal;
  readonly onConnectionLost: () => void;
  readonly observer?: CsiCallObserver;
  /** Called as soon as GetPluginInfo named the driver (upstream labels later samples with it). */
  readonly onDriverName?: (name: string) => void;
  /**
   * Runs after GetPluginInfo and before the readiness probe, where upstream starts its HTTP server,
   * so /metrics and the health endpoints answer while a slow driver is still probed. A rejection
   * ends the handshake with that error (the connection is closed).
   */
  readonly beforeProbe?: (driverName: string) => Promise<void>;
  /** Test hooks: upstream's fixed 30 s dial budget and 1 s probe interval. */
  readonly connectTimeoutMs?: number;
  readonly probeIntervalMs?: number;
}

const DEFAULT_PROBE_INTERVAL_MS = 1000;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Identity.Probe immediately and then every interval until ready (ProbeForever). */
async function probeForever(params: {
  client: CsiClient;
  budget: () => CallBudget;
  log: Logger;
  clock: Clock;
  intervalMs: number;
  signal: AbortSignal | undefined;
}): Promise<void> {
  const { client, log, clock, signal } = params;
  for (;;) {
    log.info('Probing CSI driver for readiness');
    try {
      const response = await client.probe(params.budget());
      // An absent `ready` wrapper means ready (CSI spec).
      if (response.ready === null || response.ready.value) return;
      log.warn('CSI driver is not ready');
    } catch (err) {
      signal?.throwIfAborted();
      if (!(err instanceof CsiRpcError) || err.code !== 'DeadlineExceeded') {
        throw new StartupError(
          'DriverNotReady',
          `error waiting for CSI driver to be ready: CSI driver probe failed: ${messageOf(err)}`,
          err,
        );
      }
      log.warn('CSI driver probe timed out');
    }
    await clock.sleep(params.intervalMs, signal);
  }
}

async function afterConnect(params: HandshakeParams, connection: CsiConnection): Promise<DriverInfo> {
  const { options, log, clock, signal } = params;
  const client = new CsiClient(connection, clock);
  const budget = (): CallBudget => ({ deadline: clock.now() + options.timeoutMs, signal });
  const guard = async <T>(code: StartupErrorCode, prefix: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      signal?.throwIfAborted();
      if (err instanceof StartupError) throw err;
      throw new StartupError(code, `${prefix}: ${messageOf(err)}`, err);
    }
  };

  const driverName = await guard('DriverNameFailed', 'error getting CSI driver name', async () => {
    const info = await client.getPluginInfo(budget());
    if (info.name === '') throw new Error('driver name is empty');
    return info.name;
  });
  log.info('CSI driver name', { driver: driverName });
  params.onDriverName?.(driverName);
  await params.beforeProbe?.(driverName);

  await probeForever({
    client,
    budget,
    log,
    clock,
    intervalMs: params.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS,
    signal,
  });

  const controllerCapabilities = await guard(
    'CapabilitiesFailed',
    'error determining if driver supports create/delete snapshot operations',
    async () => parseControllerCapabilities(await client.controllerGetCapabilities(budget())),
  );
  if (!controllerCapabilities.createDeleteSnapshot) {
    throw new StartupError('SnapshotsUnsupported', `CSI driver ${driverName} does not support ControllerCreateSnapshot`);
  }

  const groupSnapshotsEnabled = options.featureGates.get(FEATURE_GATE_GROUP_SNAPSHOT) === true;
  let groupControllerCapabilities: GroupControllerCapabilities | null = null;
  if (groupSnapshotsEnabled) {
    try {
      groupControllerCapabilities = parseGroupControllerCapabilities(
        await client.groupControllerGetCapabilities(budget()),
      );
      if (!groupControllerCapabilities.createDeleteGetGroupSnapshot) {
        log.warn(`CSI driver ${driverName} does not support GroupControllerCreateVolumeGroupSnapshot`);
      }
    } catch (err) {
      signal?.throwIfAborted();
      // Upstream only logs this and keeps group support on; the group RPCs fail later.
      log.error('error determining if driver supports create/delete group snapshot operations', { err });
    }
  }

  const snapshotter = new GrpcSnapshotter({ client, driverName });
  return { driverName, controllerCapabilities, groupSnapshotsEnabled, groupControllerCapabilities, snapshotter, connection };
}

export async function handshake(params: HandshakeParams): Promise<DriverInfo> {
  const { options, log, clock, signal } = params;
  let connection: CsiConnection;
  try {
    connection = await connect({
      address: options.csiAddress,
      log,
      clock,
      onConnectionLost: params.onConnectionLost,
      signal,
      observer: params.observer,
      connectTimeoutMs: params.connectTimeoutMs,
    });
  } catch (err) {
    signal?.throwIfAborted();
    throw new StartupError('CsiConnectFailed', `error connecting to CSI driver: ${messageOf(err)}`, err);
  }
  try {
    return await afterConnect(params, connection);
  } catch (err) {
    connection.close();
    throw err;
  }
}
