// LeaderElector on virtual time against an in-memory Lease API that enforces resourceVersion
// conflicts, one test per client-go clause: acquire a free Lease, respect a holder by OUR
// observation time (never the remote renewTime), take over after expiry, renew, lose the Lease
// after renewDeadline, release, and the healthz watchdog.

import { afterEach, describe, expect, test } from '@jest/globals';
import { KubeApiError, KubeRequestError } from '../../../src/kube/kube-api-error.js';
import { LeaderElector, type LeaderElectorOptions, type RenewOutcome } from '../../../src/kube/leader-elector.js';
import type { Lease, LeaseApi, LeaseSpec } from '../../../src/kube/lease-api.js';
import { VirtualClock } from '../../support/virtual-clock.js';

const NAME = 'external-snapshotter-leader-hostpath-csi-k8s-io';
const NS = 'kube-system';
const LEASE_MS = 4_000;
const RENEW_DEADLINE_MS = 3_000;
const RETRY_MS = 1_000;
const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

type Verb = 'get' | 'create' | 'replace';

/** One Lease in memory with apiserver semantics: 404, 409 AlreadyExists, 409 on a stale resourceVersion. */
class InMemoryLeaseApi implements LeaseApi {
  stored: Lease | undefined;
  readonly calls: Verb[] = [];
  /** When set, every call fails as if the apiserver were unreachable. */
  down = false;
  #rv = 100;

  async get(signal: AbortSignal): Promise<Lease> {
    this.#enter('get', signal);
    if (this.stored === undefined) throw new KubeApiError({ method: 'GET', path: NAME, code: 404, status: { reason: 'NotFound' } });
    return structuredClone(this.stored);
  }

  async create(lease: Lease, signal: AbortSignal): Promise<Lease> {
    this.#enter('create', signal);
    if (this.stored !== undefined) throw new KubeApiError({ method: 'POST', path: NAME, code: 409, status: { reason: 'AlreadyExists' } });
    return this.#store(lease);
  }

  async replace(lease: Lease, signal: AbortSignal): Promise<Lease> {
    this.#enter('replace', signal);
    if (this.stored === undefined) throw new KubeApiError({ method: 'PUT', path: NAME, code: 404, status: { reason: 'NotFound' } });
    if (lease.metadata.resourceVersion !== this.stored.metadata.resourceVersion) {
      throw new KubeApiError({ method: 'PUT', path: NAME, code: 409, status: { reason: 'Conflict' } });
    }
    return this.#store(lease);
  }

  /** A write by another replica (its own GET + PUT). */
  writeAsOther(spec: LeaseSpec): void {
    const base = this.stored ?? { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: NAME, namespace: NS } };
    this.#store({ ...base, spec });
  }

  spec(): LeaseSpec {
    const spec = this.stored?.spec;
    if (spec === undefined) throw new Error('no Lease stored');
    return spec;
  }

  #enter(verb: Verb, signal: AbortSignal): void {
    signal.throwIfAborted();
    this.calls.push(verb);
    if (this.down) throw new KubeRequestError({ code: 'ConnectionFailed', method: verb, path: NAME });
  }

  #store(lease: Lease): Lease {
    this.stored = structuredClone({ ...lease, metadata: { ...lease.metadata, resourceVersion: String(++this.#rv) } });
    return structuredClone(this.stored);
  }
}

interface Harness {
  readonly clock: VirtualClock;
  readonly api: InMemoryLeaseApi;
  readonly changes: boolean[];
  elector(overrides?: Partial<LeaderElectorOptions>): LeaderElector;
  /** An AbortController aborted in afterEach, so no loop outlives its test. */
  stopper(): AbortController;
}

const stoppers: AbortController[] = [];
let lastClock: VirtualClock | undefined;
afterEach(async () => {
  for (const s of stoppers.splice(0)) s.abort(new Error('test over'));
  if (lastClock !== undefined) {
    await lastClock.advance(0);
    expect(lastClock.pendingTimers()).toBe(0);
  }
  lastClock = undefined;
});

function harness(): Harness {
  const clock = new VirtualClock();
  lastClock = clock;
  const api = new InMemoryLeaseApi();
  const changes: boolean[] = [];
  return {
    clock,
    api,
    changes,
    elector: (overrides = {}) =>
      new LeaderElector({
        api,
        name: NAME,
        namespace: NS,
        identity: 'replica-a',
        labels: { team: 'storage' },
        leaseDurationMs: LEASE_MS,
        renewDeadlineMs: RENEW_DEADLINE_MS,
        retryPeriodMs: RETRY_MS,
        clock,
        random: () => 0,
        onLeaderChange: (v) => changes.push(v),
        ...overrides,
      }),
    stopper: () => {
      const s = new AbortController();
      stoppers.push(s);
      return s;
    },
  };
}

/** Tracks a promise's settlement so virtual-time tests can look at it between advances. */
function track<T>(p: Promise<T>): { value: T | undefined; settled: boolean } {
  const state: { value: T | undefined; settled: boolean } = { value: undefined, settled: false };
  void p.then((v) => {
    state.value = v;
    state.settled = true;
  });
  return state;
}

describe('acquire', () => {
  test('a missing Lease is created with us as holder, our labels, MicroTime times and the lease duration in seconds', async () => {
    const h = harness();
    const le = h.elector();
    await expect(le.acquire(h.stopper().signal)).resolves.toBe(true);
    expect(le.isLeader()).toBe(true);
    expect(h.changes).toEqual([true]);
    expect(h.api.calls).toEqual(['get', 'create']);
    expect(h.api.stored?.metadata).toMatchObject({ name: NAME, namespace: NS, labels: { team: 'storage' } });
    const spec = h.api.spec();
    expect(spec).toMatchObject({ holderIdentity: 'replica-a', leaseDurationSeconds: 4, leaseTransitions: 0 });
    expect(spec.acquireTime).toMatch(MICRO_TIME);
    expect(spec.renewTime).toBe(spec.acquireTime);
  });

  test('a released Lease (holderIdentity empty) is taken at once and counts a transition', async () => {
    const h = harness();
    h.api.writeAsOther({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 3 });
    const le = h.elector();
    await expect(le.acquire(h.stopper().signal)).resolves.toBe(true);
    expect(h.api.spec()).toMatchObject({ holderIdentity: 'replica-a', leaseTransitions: 4 });
    expect(h.api.stored?.metadata.labels).toEqual({ team: 'storage' });
  });

  test("another holder's Lease is respected for leaseDuration from OUR first observation, even with an ancient renewTime", async () => {
    const h = harness();
    h.api.writeAsOther({
      holderIdentity: 'replica-b',
      leaseDurationSeconds: 4,
      renewTime: '2001-01-01T00:00:00.000000Z',
      acquireTime: '2001-01-01T00:00:00.000000Z',
      leaseTransitions: 0,
    });
    const le = h.elector();
    const acquired = track(le.acquire(h.stopper().signal));
    await h.clock.advance(LEASE_MS - 1);
    expect(acquired.settled).toBe(false);
    expect(le.leader()).toBe('replica-b');
    expect(h.api.spec().holderIdentity).toBe('replica-b');
    await h.clock.advance(1);
    expect(acquired.value).toBe(true);
    expect(h.api.spec()).toMatchObject({ holderIdentity: 'replica-a', leaseTransitions: 1 });
  });

  test('a holder that keeps renewing is never taken over', async () => {
    const h = harness();
    const other = { holderIdentity: 'replica-b', leaseDurationSeconds: 4, leaseTransitions: 0 };
    h.api.writeAsOther({ ...other, renewTime: '2024-01-01T00:00:00.000000Z' });
    const le = h.elector();
    const acquired = track(le.acquire(h.stopper().signal));
    for (let s = 1; s <= 20; s++) {
      await h.clock.advance(1_000);
      h.api.writeAsOther({ ...other, renewTime: `2024-01-01T00:00:${String(s).padStart(2, '0')}.000000Z` });
    }
    expect(acquired.settled).toBe(false);
    expect(h.api.spec().holderIdentity).toBe('replica-b');
    expect(h.api.calls.filter((c) => c === 'replace')).toEqual([]);
  });

  test('a candidate retries after retryPeriod × (1 + 1.2 × random)', async () => {
    const h = harness();
    h.api.writeAsOther({ holderIdentity: 'replica-b', leaseDurationSeconds: 3600 });
    const le = h.elector({ random: () => 0.5 });
    track(le.acquire(h.stopper().signal));
    await h.clock.advance(0);
    expect(h.api.calls).toEqual(['get']);
    await h.clock.advance(1_599);
    expect(h.api.calls).toEqual(['get']);
    await h.clock.advance(1);
    expect(h.api.calls).toEqual(['get', 'get']);
  });

  test('a candidate whose next jittered retry falls after the observed expiry wakes at the expiry instead', async () => {
    const h = harness();
    h.api.writeAsOther({ holderIdentity: 'replica-b', leaseDurationSeconds: 4, leaseTransitions: 0 });
    // random 0.5: retries 1.6 s apart, at 0, 1.6 and 3.2 s; the next would be 4.8 s, 0.8 s past the expiry at 4 s.
    const le = h.elector({ random: () => 0.5 });
    const acquired = track(le.acquire(h.stopper().signal));
    await h.clock.advance(3_200);
    expect(h.api.calls).toEqual(['get', 'get', 'get']);
    await h.clock.advance(LEASE_MS - 3_200 + 4);
    expect(acquired.settled).toBe(false);
    await h.clock.advance(1);
    expect(acquired.value).toBe(true);
    expect(h.api.calls).toEqual(['get', 'get', 'get', 'get', 'replace']);
    expect(h.api.spec()).toMatchObject({ holderIdentity: 'replica-a', leaseTransitions: 1 });
  });

  test('a holder renewing in time is not taken over when the candidate wakes at the expiry it observed', async () => {
    const h = harness();
    const other = { holderIdentity: 'replica-b', leaseDurationSeconds: 4, leaseTransitions: 0 };
    h.api.writeAsOther({ ...other, renewTime: '2024-01-01T00:00:00.000000Z' });
    const le = h.elector({ random: () => 0.5 });
    const acquired = track(le.acquire(h.stopper().signal));
    await h.clock.advance(3_900);
    h.api.writeAsOther({ ...other, renewTime: '2024-01-01T00:00:03.900000Z' });
    await h.clock.advance(200);
    expect(acquired.settled).toBe(false);
    expect(h.api.calls.filter((c) => c === 'replace')).toEqual([]);
    expect(h.api.spec().holderIdentity).toBe('replica-b');
  });

  test('losing the create race (409 AlreadyExists) leaves us a candidate that then respects the winner', async () => {
    const h = harness();
    const api = h.api;
    const le = h.elector({
      api: {
        get: (signal) => api.get(signal),
        replace: (lease, signal) => api.replace(lease, signal),
        create: (lease, signal) => {
          api.writeAsOther({ holderIdentity: 'replica-b', leaseDurationSeconds: 4 });
          return api.create(lease, signal);
        },
      },
    });
    const acquired = track(le.acquire(h.stopper().signal));
    await h.clock.advance(2_000);
    expect(acquired.settled).toBe(false);
    expect(le.isLeader()).toBe(false);
    expect(h.api.spec().holderIdentity).toBe('replica-b');
  });

  test('two electors on one Lease: exactly one leads', async () => {
    const h = harness();
    const a = h.elector({ identity: 'replica-a' });
    const b = h.elector({ identity: 'replica-b' });
    const stop = h.stopper();
    // As the sidecar runs it: acquire, then renew until stopped.
    const run = async (le: LeaderElector): Promise<RenewOutcome | 'never led'> =>
      (await le.acquire(stop.signal)) ? le.renew(stop.signal) : 'never led';
    const ra = track(run(a));
    const rb = track(run(b));
    for (let t = 0; t < 20; t++) {
      await h.clock.advance(500);
      expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
    }
    expect(h.api.spec().holderIdentity).toBe(a.isLeader() ? 'replica-a' : 'replica-b');
    stop.abort();
    await h.clock.advance(0);
    expect([ra.value, rb.value].sort()).toEqual(['never led', 'stopped']);
  });

  test('acquire resolves false when the signal aborts while waiting', async () => {
    const h = harness();
    h.api.writeAsOther({ holderIdentity: 'replica-b', leaseDurationSeconds: 3600 });
    const stop = h.stopper();
    const acquired = track(h.elector().acquire(stop.signal));
    await h.clock.advance(5_000);
    stop.abort();
    await h.clock.advance(0);
    expect(acquired).toEqual({ settled: true, value: false });
  });
});

describe('renew', () => {
  async function leader(h: Harness): Promise<LeaderElector> {
    const le = h.elector();
    await le.acquire(h.stopper().signal);
    return le;
  }

  test('the leader renews every retryPeriod: renewTime moves, acquireTime and transitions stay', async () => {
    const h = harness();
    const le = await leader(h);
    const first = h.api.spec();
    const renewing = track(le.renew(h.stopper().signal));
    await h.clock.advance(5_000);
    const spec = h.api.spec();
    expect(renewing.settled).toBe(false);
    expect(spec.acquireTime).toBe(first.acquireTime);
    expect(spec.leaseTransitions).toBe(first.leaseTransitions);
    expect(spec.renewTime).toBe('2024-01-01T00:00:05.000000Z');
    // An immediate renewal after acquiring, then one per second (client-go wait.Until).
    expect(h.api.calls.filter((c) => c === 'replace')).toHaveLength(6);
    expect(h.api.calls.filter((c) => c === 'get')).toHaveLength(1); // the fast path needs no GET
  });

  test('no successful renewal within renewDeadline: renew resolves lost and leadership is reported ended', async () => {
    const h = harness();
    const le = await leader(h);
    const renewing = track(le.renew(h.stopper().signal));
    await h.clock.advance(2_000); // renewed at 0, 1 s, 2 s
    h.api.down = true;
    await h.clock.advance(1_000 + RENEW_DEADLINE_MS - 1); // the cycle starting at 3 s fails at 3, 4, 5 s
    expect(renewing.settled).toBe(false);
    await h.clock.advance(1);
    expect(renewing.value).toBe('lost');
    expect(h.changes).toEqual([true, false]);
  });

  test('a Lease stolen by another replica (409 on our PUT) is lost after renewDeadline', async () => {
    const h = harness();
    const le = await leader(h);
    const renewing = track(le.renew(h.stopper().signal));
    await h.clock.advance(1_500);
    h.api.writeAsOther({ holderIdentity: 'replica-b', leaseDurationSeconds: 4 });
    await h.clock.advance(500 + RENEW_DEADLINE_MS);
    expect(renewing.value).toBe('lost');
    expect(le.isLeader()).toBe(false);
    expect(h.api.spec().holderIdentity).toBe('replica-b');
  });

  test('aborting the signal stops renewing with outcome stopped', async () => {
    const h = harness();
    const le = await leader(h);
    const stop = h.stopper();
    const renewing = track(le.renew(stop.signal));
    await h.clock.advance(1_500);
    stop.abort();
    await h.clock.advance(0);
    expect(renewing.value).toBe('stopped');
    const writes = h.api.calls.length;
    await h.clock.advance(10_000);
    expect(h.api.calls.length).toBe(writes);
  });
});

describe('release', () => {
  test('writes holderIdentity empty and leaseDurationSeconds 1; a standby then acquires on its next attempt', async () => {
    const h = harness();
    const a = h.elector({ identity: 'replica-a' });
    await a.acquire(h.stopper().signal);
    const b = h.elector({ identity: 'replica-b' });
    const bAcquired = track(b.acquire(h.stopper().signal));
    await h.clock.advance(500);
    expect(bAcquired.settled).toBe(false);
    await expect(a.release()).resolves.toBe(true);
    expect(h.api.spec()).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 0 });
    expect(a.isLeader()).toBe(false);
    await h.clock.advance(RETRY_MS);
    expect(bAcquired.value).toBe(true);
    expect(h.api.spec()).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1 });
  });

  test('does not touch a Lease that names someone else', async () => {
    const h = harness();
    const a = h.elector();
    await a.acquire(h.stopper().signal);
    h.api.writeAsOther({ holderIdentity: 'replica-b', leaseDurationSeconds: 4 });
    await expect(a.release()).resolves.toBe(true);
    expect(h.api.spec().holderIdentity).toBe('replica-b');
    expect(h.api.calls.at(-1)).toBe('get');
  });
});

describe('check (healthz watchdog)', () => {
  test('a leader is unhealthy once unrenewed for more than leaseDuration + tolerance', async () => {
    const h = harness();
    const a = h.elector();
    await a.acquire(h.stopper().signal);
    await h.clock.advance(LEASE_MS + 20_000);
    expect(a.check(20_000)).toBeUndefined();
    await h.clock.advance(1);
    expect(a.check(20_000)).toBe(`failed election to renew leadership on lease ${NAME}`);
  });

  test('a standby is always healthy', async () => {
    const h = harness();
    h.api.writeAsOther({ holderIdentity: 'replica-b', leaseDurationSeconds: 3600 });
    const b = h.elector();
    const stop = h.stopper();
    track(b.acquire(stop.signal));
    await h.clock.advance(60_000);
    expect(b.check(20_000)).toBeUndefined();
    stop.abort();
  });
});
