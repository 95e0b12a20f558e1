// Runs one key through decide → execute until a step is terminal, so a content goes from "new"
// to "ready" (annotate, create, un-annotate) or from "deleting" to "gone" (delete on the driver,
// clear status, drop the finalizer) in one pass, without waiting for watch events of its own
// writes. The only back edge: each write's response is fed into the forward-only store (how the
// watch events of those writes are then dropped: controller/content-event-source.ts).

import { Result } from '../controller/result.js';
import { ContentGoneError } from '../effects/content-writes.js';
import { StepPass, type StepExecutor } from '../effects/step-executor.js';
import type { KubeObject } from '../kube/types.js';
import type { KindAdapter } from '../kinds/kind-adapter.js';
import type { Logger } from '../observability/logger.js';
import type { Action, ActionType } from '../snapshot/action.js';
import type { ContentView } from '../snapshot/content-view.js';
import { decide, type DecisionContext } from '../snapshot/decide.js';
import { deletionBlockReason, grpcCodeOf, NO_OBSERVER, retryOperation, type ReconcileObserver } from './reconcile-observer.js';

/** Enough for the longest legitimate chain (create → unmark → delete → clear → unfinalize). */
export const MAX_STEPS_PER_PASS = 8;

export interface ContentStore<T> {
  get(name: string): T | undefined;
  observe(obj: T): boolean;
}

export interface ReconcilerDeps<T extends KubeObject> {
  readonly adapter: KindAdapter<T>;
  readonly store: ContentStore<T>;
  readonly executor: StepExecutor<T>;
  /** Built per pass so it sees the current class cache. */
  readonly context: () => DecisionContext;
  readonly log: Logger;
  /** Retries, blocked deletions and creation-to-ready times, for the operators' metrics. */
  readonly observer?: ReconcileObserver;
}

const QUIET: ReadonlySet<ActionType> = new Set(['ignore', 'done', 'wait']);

export function contentReconciler<T extends KubeObject>(deps: ReconcilerDeps<T>): (key: string, signal: AbortSignal) => Promise<Result> {
  const { adapter, store, executor, log } = deps;
  const observer = deps.observer ?? NO_OBSERVER;
  const blocked = (view: ContentView, action: Action): void => {
    const reason = deletionBlockReason(view, action);
    if (reason !== undefined) observer.deletionBlocked(reason);
  };
  return async (key, signal) => {
    let polled = false;
    // A pre-provisioned content that never had a status looks the same after its backend delete;
    // remembering what this pass deleted turns the repeat into finalizer removal.
    const deletedHandles = new Set<string>();
    const pass = new StepPass();
    // The view of the write response the last step stored: the store then holds that very object
    // (minus managedFields, which no view reads), so the next step does not convert it again.
    let stored: ContentView | undefined;
    for (let step = 0; step < MAX_STEPS_PER_PASS; step++) {
      const obj = store.get(key);
      if (obj === undefined) return Result.done();
      const view = stored ?? adapter.toView(obj);
      stored = undefined;
      const ctx = deps.context();
      let action = decide(view, ctx);
      if (action.type === 'delete-backend' && deletedHandles.has(action.request.handle)) {
        action = view.hasFinalizer ? { type: 'remove-finalizer', reason: 'backend object deleted in this pass' } : { type: 'done', reason: 'backend object deleted' };
      }
      // One driver poll per pass; the next one waits for the poll schedule.
      if (polled && (action.type === 'create' || action.type === 'refresh')) {
        blocked(view, action);
        return Result.poll(action.type);
      }
      log.v(QUIET.has(action.type) ? 5 : 2).info('Decision', { [adapter.vocabulary.kind]: key, action: action.type, reason: action.reason });
      switch (action.type) {
        case 'ignore':
        case 'done':
          return Result.done();
        case 'wait':
          blocked(view, action);
          return Result.poll('wait');
        default:
          break;
      }
      let outcome;
      try {
        outcome = await executor.run(action, obj, signal, pass);
      } catch (err) {
        if (err instanceof ContentGoneError) return Result.done();
        if (!signal.aborted) {
          observer.retry(retryOperation(action), grpcCodeOf(err));
          blocked(view, action);
        }
        return Result.error(err);
      }
      let after: ContentView | undefined;
      if (outcome.kind === 'progress' || outcome.kind === 'not-ready') {
        after = adapter.toView(outcome.object);
        if (view.status?.readyToUse !== true && after.status?.readyToUse === true) {
          // Observed only on a transition this pass made: a restart never re-observes ready contents.
          const created = Date.parse(outcome.object.metadata.creationTimestamp ?? '');
          if (Number.isFinite(created)) observer.becameReady(Math.max(0, (ctx.nowMs - created) / 1000));
        }
      }
      if (action.type === 'delete-backend' && outcome.kind === 'progress') deletedHandles.add(action.request.handle);
      switch (outcome.kind) {
        case 'progress':
          if (store.observe(outcome.object)) stored = after;
          break;
        case 'not-ready':
          if (store.observe(outcome.object)) stored = after;
          polled = true;
          break;
        case 'failed':
          // Every failure takes the --retry-interval-start … --retry-interval-max back-off, as
          // upstream's rate-limited queue: those flags are the user's word on how hot to retry.
          observer.retry(retryOperation(action), grpcCodeOf(outcome.error));
          blocked(view, action);
          return Result.error(outcome.error);
        case 'throttled':
          // Waiting for a backend slot is not a failure: no back-off growth, and the limiter
          // queues the key again as soon as a slot is reserved for it.
          return Result.requeueAfter(outcome.retryAfterMs);
      }
    }
    log.warn('Too many steps in one pass; continuing later', { [adapter.vocabulary.kind]: key });
    return Result.requeueAfter(1000);
  };
}
