// The backend concurrency limit (--max-inflight-creates, --max-inflight-deletes): how many CSI
// create and delete calls may be in flight at once, with at most one call per source volume in
// flight across both kinds of call (drivers answer Aborted to a second operation on a volume).
//
// It never blocks a caller. A call that cannot start now is registered as a waiter and told to
// come back later; when a slot frees, the limiter reserves it for the next waiter (round-robin
// over source volumes, deletes first) and wakes that waiter, which then takes the reservation.
// Workers therefore never sit on a slot they do not have, so a queue full of throttled creates
// keeps serving deletes and every other key, and waiting is not a failure (no back-off growth).
//
// Invariants (tested in test/unit/base/inflight-limiter.test.ts):
//  1. in flight + reserved ≤ the pool's limit, per pool;
//  2. at most one call (in flight or reserved) per source volume handle, across both pools;
//  3. a freed slot goes round-robin over the waiting source volumes (FIFO within one volume);
//  4. a freed volume goes to a waiting delete before a waiting create;
//  5. a permit is released exactly once however the call ends (release is idempotent), and a
//     reservation nobody claims expires after grantTtlMs or when its key's pass ends.

import type { Clock, TimerHandle } from './clock.js';
import { CodedError } from './coded-error.js';

export type CallKind = 'create' | 'delete';

export interface SlotRequest {
  readonly kind: CallKind;
  /** One per object (e.g. "VolumeSnapshotContent/snapcontent-…"): the identity of a waiter. */
  readonly id: string;
  /** Source volume handles; empty when unknown (e.g. a pre-provisioned content's delete). */
  readonly volumes: readonly string[];
  /** Called once when a slot is reserved for this waiter: queue its key now. */
  readonly wake: () => void;
}

export interface Permit {
  /** Frees the slot and the volumes; idempotent. */
  release(): void;
}

export type SlotAnswer =
  | { readonly kind: 'acquired'; readonly permit: Permit }
  /** No slot now; the waiter is woken when one is reserved for it, retryAfterMs is the safety net. */
  | { readonly kind: 'wait'; readonly retryAfterMs: number };

/** The narrow port effects/ uses; InflightLimiter implements it. */
export interface CallSlots {
  tryAcquire(request: SlotRequest): SlotAnswer;
}

export interface InflightLimiterOptions {
  /** Limit per pool; Infinity (or undefined) = no count limit, only one call per source volume. */
  readonly maxCreates?: number;
  readonly maxDeletes?: number;
  readonly clock: Clock;
  /**
   * A reservation not claimed within this time goes to the next waiter (default 30 s). Only a
   * safety net: a pass of the woken key that does not take it (object gone, no call needed any
   * more) hands it on at once (passEnded / forget); this covers a wake-up that never led to a pass.
   */
  readonly grantTtlMs?: number;
  /** The requeue-after told to a waiter, in case its wake-up is lost (default 15 s). */
  readonly retryAfterMs?: number;
}

export interface InflightStats {
  readonly inFlight: Readonly<Record<CallKind, number>>;
  readonly reserved: Readonly<Record<CallKind, number>>;
  readonly waiting: Readonly<Record<CallKind, number>>;
}

/** Waiters of one pool grouped by fairness key (their first source volume, '' when unkeyed). */
interface Waiter {
  readonly request: SlotRequest;
  readonly group: string;
}

interface Pool {
  readonly max: number;
  inFlight: number;
  reserved: number;
  /** Round-robin order of groups with waiters; `cursor` is the next group to serve. */
  readonly order: string[];
  cursor: number;
  readonly groups: Map<string, Waiter[]>;
}

interface Grant {
  readonly kind: CallKind;
  readonly volumes: readonly string[];
  readonly seq: number;
  readonly timer: TimerHandle;
}

const KINDS: readonly CallKind[] = ['delete', 'create'];

export class InflightLimiterOptionsError extends CodedError<'INFLIGHT_LIMITER_OPTIONS'> {
  override readonly name = 'InflightLimiterOptionsError';
  constructor(message: string) {
    super('INFLIGHT_LIMITER_OPTIONS', message);
  }
}

export class InflightLimiter implements CallSlots {
  readonly #clock: Clock;
  readonly #grantTtlMs: number;
  readonly #retryAfterMs: number;
  readonly #pools: Record<CallKind, Pool>;
  readonly #busyVolumes = new Set<string>();
  readonly #waiterOf = new Map<string, { readonly kind: CallKind; readonly group: string }>();
  readonly #grants = new Map<string, Grant>();
  #seq = 0;

  constructor(options: InflightLimiterOptions) {
    this.#clock = options.clock;
    this.#grantTtlMs = options.grantTtlMs ?? 30_000;
    this.#retryAfterMs = options.retryAfterMs ?? 15_000;
    this.#pools = { create: newPool(options.maxCreates), delete: newPool(options.maxDeletes) };
  }

  tryAcquire(request: SlotRequest): SlotAnswer {
    const grant = this.#grants.get(request.id);
    if (grant !== undefined) {
      this.#dropGrant(request.id, grant);
      if (grant.kind === request.kind && sameVolumes(grant.volumes, request.volumes)) {
        // Claimed: the reservation becomes the call; slot and volumes stay taken.
        const pool = this.#pools[grant.kind];
        pool.reserved--;
        pool.inFlight++;
        return { kind: 'acquired', permit: this.#permit(grant.kind, grant.volumes) };
      }
      // The object now needs another call: hand the reservation back and queue afresh.
      this.#free(grant.kind, grant.volumes, 'reserved');
    }
    const registered = this.#waiterOf.get(request.id);
    if (registered !== undefined) {
      // Keep its place in line; re-register only when what it waits for changed.
      const group = groupOf(request.volumes);
      if (registered.kind === request.kind && registered.group === group) {
        this.#replaceWaiter(request);
        return this.#wait();
      }
      this.#removeWaiter(request.id);
    }
    const pool = this.#pools[request.kind];
    if (pool.inFlight + pool.reserved < pool.max && this.#volumesFree(request.volumes)) {
      pool.inFlight++;
      for (const v of request.volumes) this.#busyVolumes.add(v);
      return { kind: 'acquired', permit: this.#permit(request.kind, request.volumes) };
    }
    this.#addWaiter(request);
    return this.#wait();
  }

  /** The reservation generation now; pass it to passEnded when the key's reconcile pass ends. */
  passStarted(): number {
    return this.#seq;
  }

  /**
   * A pass of `id` ended. A reservation made before the pass started and still unclaimed was not
   * wanted by it (the object needs no call any more, or is gone): give it to the next waiter.
   */
  passEnded(id: string, startedAt: number): void {
    const grant = this.#grants.get(id);
    if (grant === undefined || grant.seq > startedAt) return;
    this.#dropGrant(id, grant);
    this.#free(grant.kind, grant.volumes, 'reserved');
  }

  /** Forgets a waiter (its object is gone); frees any reservation it holds. */
  forget(id: string): void {
    this.#removeWaiter(id);
    const grant = this.#grants.get(id);
    if (grant === undefined) return;
    this.#dropGrant(id, grant);
    this.#free(grant.kind, grant.volumes, 'reserved');
  }

  stats(): InflightStats {
    const count = (f: (p: Pool) => number): Record<CallKind, number> => ({ create: f(this.#pools.create), delete: f(this.#pools.delete) });
    return {
      inFlight: count((p) => p.inFlight),
      reserved: count((p) => p.reserved),
      waiting: count((p) => [...p.groups.values()].reduce((n, g) => n + g.length, 0)),
    };
  }

  #wait(): SlotAnswer {
    return { kind: 'wait', retryAfterMs: this.#retryAfterMs };
  }

  #permit(kind: CallKind, volumes: readonly string[]): Permit {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#free(kind, volumes, 'inFlight');
      },
    };
  }

  #free(kind: CallKind, volumes: readonly string[], from: 'inFlight' | 'reserved'): void {
    this.#pools[kind][from]--;
    for (const v of volumes) this.#busyVolumes.delete(v);
    this.#dispatch();
  }

  #volumesFree(volumes: readonly string[]): boolean {
    return volumes.every((v) => !this.#busyVolumes.has(v));
  }

  /** Reserves every slot a waiter can use: deletes first, then round-robin over volumes. */
  #dispatch(): void {
    for (const kind of KINDS) {
      const pool = this.#pools[kind];
      while (pool.inFlight + pool.reserved < pool.max && pool.order.length > 0) {
        const next = this.#nextServable(pool);
        if (next === undefined) break;
        this.#reserve(kind, pool, next);
      }
    }
  }

  /** The head waiter of the first group, from the cursor on, whose volumes are all free. */
  #nextServable(pool: Pool): Waiter | undefined {
    const n = pool.order.length;
    for (let i = 0; i < n; i++) {
      const idx = (pool.cursor + i) % n;
      const head = pool.groups.get(pool.order[idx] ?? '')?.[0];
      if (head !== undefined && this.#volumesFree(head.request.volumes)) {
        pool.cursor = idx + 1;
        return head;
      }
    }
    return undefined;
  }

  #reserve(kind: CallKind, pool: Pool, waiter: Waiter): void {
    const { id, volumes, wake } = waiter.request;
    this.#removeWaiter(id);
    pool.reserved++;
    for (const v of volumes) this.#busyVolumes.add(v);
    const seq = ++this.#seq;
    const timer = this.#clock.setTimer(() => {
      const g = this.#grants.get(id);
      if (g === undefined || g.seq !== seq) return;
      this.#grants.delete(id);
      this.#free(g.kind, g.volumes, 'reserved');
    }, this.#grantTtlMs);
    this.#grants.set(id, { kind, volumes, seq, timer });
    wake();
  }

  #dropGrant(id: string, grant: Grant): void {
    grant.timer.cancel();
    this.#grants.delete(id);
  }

  #addWaiter(request: SlotRequest): void {
    const pool = this.#pools[request.kind];
    const group = groupOf(request.volumes);
    let members = pool.groups.get(group);
    if (members === undefined) {
      members = [];
      pool.groups.set(group, members);
      // A new group joins just before the cursor: it is served after every group already waiting.
      pool.order.splice(pool.cursor, 0, group);
      pool.cursor++;
      if (pool.cursor > pool.order.length - 1) pool.cursor = pool.cursor % pool.order.length;
    }
    members.push({ request, group });
    this.#waiterOf.set(request.id, { kind: request.kind, group });
  }

  /** Same place in line, latest wake callback. */
  #replaceWaiter(request: SlotRequest): void {
    const where = this.#waiterOf.get(request.id);
    if (where === undefined) return;
    const members = this.#pools[where.kind].groups.get(where.group) ?? [];
    const i = members.findIndex((w) => w.request.id === request.id);
    if (i >= 0) members[i] = { request, group: where.group };
  }

  #removeWaiter(id: string): void {
    const where = this.#waiterOf.get(id);
    if (where === undefined) return;
    this.#waiterOf.delete(id);
    const pool = this.#pools[where.kind];
    const members = pool.groups.get(where.group);
    if (members === undefined) return;
    const i = members.findIndex((w) => w.request.id === id);
    if (i >= 0) members.splice(i, 1);
    if (members.length > 0) return;
    pool.groups.delete(where.group);
    const at = pool.order.indexOf(where.group);
    if (at < 0) return;
    pool.order.splice(at, 1);
    if (at < pool.cursor) pool.cursor--;
    if (pool.cursor >= pool.order.length) pool.cursor = 0;
  }
}

function newPool(max: number | undefined): Pool {
  const limit = max === undefined || max <= 0 ? Infinity : max;
  if (limit !== Infinity && !Number.isInteger(limit)) throw new InflightLimiterOptionsError(`an in-flight limit must be a whole number, got ${max}`);
  return { max: limit, inFlight: 0, reserved: 0, order: [], cursor: 0, groups: new Map() };
}

function groupOf(volumes: readonly string[]): string {
  return volumes[0] ?? '';
}

function sameVolumes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
