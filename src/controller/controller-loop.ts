// The generic controller loop: N async workers take keys from a WorkQueue, run the reconciler and
// map its Result to queue operations in one switch (controller-runtime's reconcileHandler). The
// loop owns every queue operation after get(); reconcilers only return Results. A throw is an
// error Result, so no reconciler bug can kill a worker or leave a key marked processing.

import type { Clock } from '../base/clock.js';
import { CodedError } from '../base/coded-error.js';
import type { Logger } from '../observability/logger.js';
import type { WorkQueue } from '../queue/work-queue.js';
import type { Result } from './result.js';

export type Reconcile<K extends string> = (key: K, signal: AbortSignal) => Promise<Result>;

export interface ControllerOptions<K extends string> {
  readonly queue: WorkQueue<K>;
  /** --worker-threads: keys reconciled concurrently (never two on one key). */
  readonly workers: number;
  readonly reconcile: Reconcile<K>;
  readonly log: Logger;
  readonly clock: Clock;
  /** Aborting stops taking keys; in-flight reconciles see it through their own signal. */
  readonly signal: AbortSignal;
}

export interface RunningController {
  /** Stops taking keys, aborts in-flight reconciles' signals and resolves when every worker exited. */
  stop(): Promise<void>;
  /** Resolves when every worker has exited (after the signal aborts or the queue shuts down). */
  readonly stopped: Promise<void>;
}

export class ControllerOptionsError extends CodedError<'CONTROLLER_OPTIONS'> {
  override readonly name = 'ControllerOptionsError';

  constructor(message: string) {
    super('CONTROLLER_OPTIONS', message);
  }
}

export function runController<K extends string>(options: ControllerOptions<K>): RunningController {
  const { queue, reconcile, log, clock } = options;
  if (!Number.isInteger(options.workers) || options.workers < 1) {
    throw new ControllerOptionsError(`workers must be a positive integer, got ${options.workers}; check --worker-threads`);
  }
  const stopController = new AbortController();
  const signal = AbortSignal.any([options.signal, stopController.signal]);

  /** The one place a Result becomes queue operations. */
  function apply(key: K, result: Result): void {
    switch (result.kind) {
      case 'done':
        queue.forget(key);
        return;
      case 'poll':
        queue.addPoll(key, result.stage);
        return;
      case 'requeueAfter':
        queue.forget(key);
        queue.addAfter(key, result.ms);
        return;
      case 'error': {
        if (signal.aborted) {
          // Cancellation is not a failure: keep the key for a later run, without back-off.
          log.v(4).info(`Sync of ${key} cancelled by shutdown`, { key });
          queue.add(key);
          return;
        }
        queue.addRateLimited(key);
        log.v(4).info(`Failed to sync ${key}, will retry`, { key, err: result.error, requeues: queue.numRequeues(key) });
        return;
      }
      default: {
        // Only reachable from untyped callers; treat it as a failure rather than kill the worker.
        const unknown: never = result;
        log.error(`Reconcile of ${key} returned an unknown result, will retry`, { key, result: unknown });
        queue.addRateLimited(key);
      }
    }
  }

  async function processOne(key: K): Promise<void> {
    const started = clock.monotonic();
    let result: Result;
    try {
      result = await reconcile(key, signal);
    } catch (err) {
      result = { kind: 'error', error: err };
    }
    try {
      apply(key, result);
    } catch (err) {
      // A malformed Result (e.g. undefined from untyped code) must not leave the key unscheduled.
      log.error(`Reconcile of ${key} returned a malformed result, will retry`, { key, err });
      queue.addRateLimited(key);
    } finally {
      queue.done(key);
    }
    log.v(5).info(`Finished syncing ${key}`, { key, result: result?.kind, durationMs: clock.monotonic() - started });
  }

  async function worker(): Promise<void> {
    while (!signal.aborted) {
      const key = await queue.get(signal);
      if (key === undefined) return;
      await processOne(key);
    }
  }

  const stopped = Promise.all(Array.from({ length: options.workers }, () => worker())).then(() => undefined);

  return {
    stop: async (): Promise<void> => {
      stopController.abort();
      await stopped;
    },
    stopped,
  };
}
