// Turns one grpc-js callback-style unary call into a promise bounded by an absolute deadline and
// an optional AbortSignal. Several RPCs of one operation share one deadline (upstream runs
// GetPluginInfo + CreateSnapshot, or ControllerGetCapabilities + ListSnapshots, under one
// --timeout context), so callers pass the deadline, never a per-call timeout.

import type * as grpc from '@grpc/grpc-js';
import type { Clock } from '../base/clock.js';
import { isServiceError, toCsiRpcError } from './grpc-errors.js';

export interface CallBudget {
  /** Absolute deadline, epoch milliseconds (Clock.now() scale). */
  readonly deadline: number;
  /** Aborting cancels the call; the promise then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export type UnaryStarter<Res> = (
  options: grpc.CallOptions,
  callback: grpc.requestCallback<Res>,
) => grpc.ClientUnaryCall;

/**
 * Runs `start` with the budget's deadline. Resolves with the response; rejects with a
 * CsiRpcError for a gRPC status, or with the signal's reason when aborted (cancellation is not a
 * CSI failure and must not be reported as one).
 */
export function unaryCall<Res>(start: UnaryStarter<Res>, budget: CallBudget, clock: Clock): Promise<Res> {
  const { deadline, signal } = budget;
  if (signal?.aborted === true) return Promise.reject(signal.reason);
  return new Promise<Res>((resolve, reject) => {
    const onAbort = (): void => call.cancel();
    const call = start({ deadline }, (err, response) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted === true) reject(signal.reason);
      else if (err !== null && err !== undefined) {
        // grpc-js may fire its deadline timer a hair before our clock agrees; 5 ms of slack.
        reject(isServiceError(err) ? toCsiRpcError(err, clock.now() >= deadline - 5) : err);
      } else if (response === undefined) reject(new Error('gRPC call completed without a response'));
      else resolve(response);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
