// The reconcile unit tests' wiring, in one place: decide + StepExecutor + contentReconciler over
// an ObjectStore, the in-memory apiserver (FakeContentApi) and the scripted snapshotter
// (FakeSnapshotter). A test names only what its scenario is about (the kind, the clock, the
// DecisionContext fields it varies, a recording event sink, a Secret source, backend slots); the
// rest is the quiet default: no Secrets, events dropped, a fresh own-write log, the 1m0s timeout.
// Unit tests only: nothing here talks to a real apiserver or driver.

import type { Clock } from '../../src/base/clock.js';
import { OwnWriteLog } from '../../src/controller/own-write-log.js';
import type { Result } from '../../src/controller/result.js';
import type { EventSink, SecretSource } from '../../src/effects/ports.js';
import { StepExecutor, type StepExecutorDeps } from '../../src/effects/step-executor.js';
import { ObjectStore } from '../../src/kube/object-store.js';
import type { KubeObject } from '../../src/kube/types.js';
import type { KindAdapter } from '../../src/kinds/kind-adapter.js';
import { nullLogger } from '../../src/observability/logger.js';
import { contentReconciler } from '../../src/reconcile/content-reconciler.js';
import type { ReconcileObserver } from '../../src/reconcile/reconcile-observer.js';
import type { ClassView } from '../../src/snapshot/content-view.js';
import type { DecisionContext } from '../../src/snapshot/decide.js';
import { FakeContentApi } from './fake-content-api.js';
import { FakeSnapshotter } from './fake-snapshotter.js';

/**
 * A DecisionContext with the sidecar's defaults (LIST_SNAPSHOTS supported, prefix `snapshot`, no
 * UUID truncation, no extra create metadata, a 5 min --ambiguous-create-give-up, no classes).
 * The driver and the decision's wall-clock time are always the test's to say.
 */
export function decisionContext(fields: Pick<DecisionContext, 'driverName' | 'nowMs'> & Partial<DecisionContext>): DecisionContext {
  return {
    listSnapshotsSupported: true,
    namePrefix: 'snapshot',
    nameUuidLength: -1,
    extraCreateMetadata: false,
    createGiveUpMs: 5 * 60_000,
    classByName: () => undefined,
    ...fields,
  };
}

/** The class cache's lookup over `classes` (a snapshot class or a group snapshot class). */
export function classLookup(...classes: readonly ClassView[]): (name: string) => ClassView | undefined {
  return (name) => classes.find((c) => c.name === name);
}

/**
 * A wall clock that moves only when the test sets it: timers never fire and sleeps return at once
 * (the executor's call timeout cannot pass), unlike VirtualClock, whose time is advanced.
 */
export function settableClock(startMs: number): Clock & { set(ms: number): void; advance(ms: number): void } {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    monotonic: () => nowMs,
    setTimer: () => ({ cancel: () => undefined }),
    sleep: async () => undefined,
    set: (ms) => { nowMs = ms; },
    advance: (ms) => { nowMs += ms; },
  };
}

/**
 * A Secret source over `data` (keyed `namespace/name`) that counts its reads; a missing Secret
 * rejects with `missing(namespace, name)`, the error text the scenario is about.
 */
export function countingSecrets(
  data: Map<string, Record<string, string>>,
  missing: (namespace: string, name: string) => string,
): { readonly secrets: SecretSource; readonly gets: () => number } {
  let gets = 0;
  const secrets: SecretSource = {
    async getSecretData(ns, name) {
      gets++;
      const d = data.get(`${ns}/${name}`);
      if (d === undefined) throw new Error(missing(ns, name));
      return d;
    },
  };
  return { secrets, gets: () => gets };
}

export interface ReconcileHarnessOptions<T extends KubeObject> {
  readonly adapter: KindAdapter<T>;
  readonly clock: Clock;
  /** Built per pass, as the app builds it (so it may read a clock or a class cache that moves). */
  readonly context: () => DecisionContext;
  readonly api?: FakeContentApi<T>;
  readonly snapshotter?: FakeSnapshotter;
  readonly secrets?: SecretSource;
  readonly events?: EventSink;
  readonly timeout?: { readonly ms: number; readonly text: string };
  readonly slots?: StepExecutorDeps<T>['slots'];
  readonly onPossibleOrphan?: StepExecutorDeps<T>['onPossibleOrphan'];
  readonly observer?: ReconcileObserver;
}

export interface ReconcileHarness<T extends KubeObject> {
  readonly api: FakeContentApi<T>;
  readonly snapshotter: FakeSnapshotter;
  readonly store: ObjectStore<T>;
  /** What the executor recorded as its own writes (for an event handler wired beside it). */
  readonly ownWrites: OwnWriteLog;
  readonly executor: StepExecutor<T>;
  readonly reconcile: (key: string, signal: AbortSignal) => Promise<Result>;
  /** One pass on `name`, with the store first given the apiserver's current copy (as the informer would). */
  readonly sync: (name: string, signal?: AbortSignal) => Promise<Result>;
}

export function reconcileHarness<T extends KubeObject>(o: ReconcileHarnessOptions<T>): ReconcileHarness<T> {
  const api = o.api ?? new FakeContentApi<T>();
  const snapshotter = o.snapshotter ?? new FakeSnapshotter();
  const store = new ObjectStore<T>();
  const ownWrites = new OwnWriteLog();
  const executor = new StepExecutor<T>({
    adapter: o.adapter,
    api,
    snapshotter,
    secrets: o.secrets ?? { getSecretData: async () => ({}) },
    events: o.events ?? { warning: () => undefined },
    ownWrites,
    clock: o.clock,
    timeoutMs: o.timeout?.ms ?? 60_000,
    timeoutText: o.timeout?.text ?? '1m0s',
    log: nullLogger,
    ...(o.slots === undefined ? {} : { slots: o.slots }),
    ...(o.onPossibleOrphan === undefined ? {} : { onPossibleOrphan: o.onPossibleOrphan }),
  });
  const reconcile = contentReconciler({
    adapter: o.adapter,
    store,
    executor,
    context: o.context,
    log: nullLogger,
    ...(o.observer === undefined ? {} : { observer: o.observer }),
  });
  const sync = (name: string, signal = new AbortController().signal) => {
    const cur = api.current(name);
    if (cur) store.observe(cur);
    return reconcile(name, signal);
  };
  return { api, snapshotter, store, ownWrites, executor, reconcile, sync };
}
