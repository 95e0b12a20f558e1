// The one gRPC channel to the CSI driver: dialling it at start-up (30 s budget, progress every
// 10 s, upstream csi-lib-utils connection.Connect), sharing it between the Identity, Controller
// and GroupController clients, and noticing when an established connection goes away
// (upstream-sidecar.md §2.1: there is no in-process reconnect; the sidecar exits).
//
// grpc-js keeps real time for deadlines and connectivity watches, so the injected clock must be
// the system clock whenever a real channel is involved.

import * as grpc from '@grpc/grpc-js';
import type { Clock } from '../base/clock.js';
import { MAX_TIMER_MS } from '../base/clock.js';
import { CodedError } from '../base/coded-error.js';
import type { ControllerClient } from '../gen/csi/v1/Controller.js';
import type { GroupControllerClient } from '../gen/csi/v1/GroupController.js';
import type { IdentityClient } from '../gen/csi/v1/Identity.js';
import type { Logger } from '../observability/logger.js';
import { parseCsiAddress } from './csi-address.js';
import { createCsiInterceptor, nullCallObserver, type CsiCallObserver } from './interceptor.js';
import { loadCsiPackage } from './proto-package.js';
import { describeSocketFacts, inspectSocket, socketFactsRemedy, type SocketFacts } from './socket-diagnostics.js';

const ConnectivityState = grpc.connectivityState;

export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const DEFAULT_PROGRESS_LOG_INTERVAL_MS = 10_000;

/**
 * Reconnect back-off as csi-lib-utils (max 1 s, not grpc-js' 120 s). The idle timeout is the
 * largest timer Node accepts: the 30 min default would turn READY into IDLE on a quiet driver,
 * which we would mistake for loss, and anything above 2^31-1 makes grpc-js spin (T10).
 */
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1000,
  'grpc.client_idle_timeout_ms': MAX_TIMER_MS,
};

export interface ConnectOptions {
  /** The --csi-address value (`/path` or `unix:///path`). */
  readonly address: string;
  readonly log: Logger;
  readonly clock: Clock;
  /** Aborting gives up dialling (rejects with the signal's reason). */
  readonly signal?: AbortSignal;
  /** Receives every finished unary call (metrics). */
  readonly observer?: CsiCallObserver;
  /** Called once when the channel leaves READY after having been READY, unless we closed it. */
  readonly onConnectionLost: () => void;
  /** Dial budget; upstream's is fixed at 30 s, tests shorten it. */
  readonly connectTimeoutMs?: number;
  /** How often "Still connecting" is logged while dialling (upstream: 10 s). */
  readonly progressLogIntervalMs?: number;
}

export interface CsiConnection {
  /** `unix:///path`, as logged. */
  readonly target: string;
  readonly socketPath: string;
  readonly identity: IdentityClient;
  readonly controller: ControllerClient;
  readonly groupController: GroupControllerClient;
  /** Closes the channel; does not count as connection loss. Idempotent. */
  close(): void;
}

export class CsiConnectError extends CodedError<'CsiConnectTimeout'> {
  override readonly name = 'CsiConnectError';
  readonly socketPath: string;
  readonly facts: SocketFacts;

  constructor(params: { target: string; socketPath: string; timeoutMs: number; facts: SocketFacts }) {
    super(
      'CsiConnectTimeout',
      `${params.target} not ready after ${params.timeoutMs / 1000}s: ` +
        describeSocketFacts(params.socketPath, params.facts),
      { remedy: socketFactsRemedy(params.facts) },
    );
    this.socketPath = params.socketPath;
    this.facts = params.facts;
  }
}

/** Resolves on the next state change away from `state`, or at `deadline` (epoch ms). */
function nextStateChange(channel: grpc.Channel, state: grpc.connectivityState, deadline: number): Promise<void> {
  return new Promise((resolve) => channel.watchConnectivityState(state, deadline, () => resolve()));
}

async function waitUntilReady(
  channel: grpc.Channel,
  params: {
    clock: Clock;
    log: Logger;
    target: string;
    timeoutMs: number;
    progressMs: number;
    signal: AbortSignal | undefined;
  },
): Promise<boolean> {
  const { clock, log, target, signal, progressMs } = params;
  const giveUpAt = clock.now() + params.timeoutMs;
  let nextProgressAt = clock.now() + progressMs;
  for (;;) {
    // `true` asks an IDLE channel to connect; it must be repeated after every state change
    // (grpc-node #2218), which is what this loop does.
    const state = channel.getConnectivityState(true);
    if (state === ConnectivityState.READY) return true;
    signal?.throwIfAborted();
    const now = clock.now();
    if (now >= giveUpAt) return false;
    if (now >= nextProgressAt) {
      log.warn(`Still connecting to ${target}`);
      nextProgressAt += progressMs;
    }
    await nextStateChange(channel, state, Math.min(giveUpAt, nextProgressAt));
  }
}

/** Calls onLost once when the channel leaves READY, unless isClosed() says we closed it. */
function watchForLoss(channel: grpc.Channel, isClosed: () => boolean, onLost: () => void): void {
  channel.watchConnectivityState(ConnectivityState.READY, Infinity, () => {
    if (isClosed()) return;
    // A killed server shows up as READY → IDLE (not TRANSIENT_FAILURE) in grpc-js.
    onLost();
  });
}

/** Dials the driver and waits for READY; rejects with CsiConnectError after the budget. */
export async function connect(options: ConnectOptions): Promise<CsiConnection> {
  const { log, clock, signal } = options;
  const { target, socketPath } = parseCsiAddress(options.address);
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const pkg = loadCsiPackage();
  const credentials = grpc.credentials.createInsecure();
  const channel = new grpc.Channel(target, credentials, CHANNEL_OPTIONS);
  const interceptor = createCsiInterceptor({ observer: options.observer ?? nullCallObserver, log, clock });
  const clientOptions: grpc.ClientOptions = { channelOverride: channel, interceptors: [interceptor] };

  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    channel.close();
  };

  log.v(2).info('Connecting', { address: target });
  const onAbort = (): void => close(); // wakes the watch in waitUntilReady (SHUTDOWN)
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const progressMs = options.progressLogIntervalMs ?? DEFAULT_PROGRESS_LOG_INTERVAL_MS;
    const ready = await waitUntilReady(channel, { clock, log, target, timeoutMs, progressMs, signal });
    if (!ready) {
      const facts = await inspectSocket(socketPath, { clock });
      throw new CsiConnectError({ target, socketPath, timeoutMs, facts });
    }
  } catch (err) {
    close();
    throw signal?.aborted === true ? signal.reason : err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }

  watchForLoss(channel, () => closed, options.onConnectionLost);
  return {
    target,
    socketPath,
    identity: new pkg.csi.v1.Identity(target, credentials, clientOptions),
    controller: new pkg.csi.v1.Controller(target, credentials, clientOptions),
    groupController: new pkg.csi.v1.GroupController(target, credentials, clientOptions),
    close,
  };
}
