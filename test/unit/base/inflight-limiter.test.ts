import { describe, expect, test } from '@jest/globals';
import { InflightLimiter, type CallKind, type Permit, type SlotAnswer } from '../../../src/base/inflight-limiter.js';
import { VirtualClock } from '../../support/virtual-clock.js';

function permitOf(answer: SlotAnswer): Permit {
  if (answer.kind !== 'acquired') throw new Error(`expected a permit, got ${answer.kind}`);
  return answer.permit;
}

/** A request whose wake-ups are recorded in `woken` (in order). */
function requester(limiter: InflightLimiter, woken: string[]) {
  return (kind: CallKind, id: string, volumes: readonly string[]): SlotAnswer => limiter.tryAcquire({ kind, id, volumes, wake: () => woken.push(id) });
}

/** A limiter on virtual time, and `ask` for a slot with its wake-ups recorded in `woken`. */
function rig(limits: Omit<ConstructorParameters<typeof InflightLimiter>[0], 'clock'>) {
  const clock = new VirtualClock();
  const woken: string[] = [];
  const limiter = new InflightLimiter({ ...limits, clock });
  return { clock, woken, limiter, ask: requester(limiter, woken) };
}

/**
 * A driver that answers Aborted, as real ones do, to a call beyond `limit` in flight or to a
 * second call on a volume; callers go through the limiter the way the controller does: a woken or
 * re-polled key asks again, a call takes `durationOf(id)` virtual ms.
 */
async function simulate(opts: {
  readonly limiter: InflightLimiter;
  readonly clock: VirtualClock;
  readonly driverLimit: number;
  readonly keys: ReadonlyArray<{ readonly id: string; readonly kind: CallKind; readonly volume: string }>;
  readonly durationOf: (id: string) => number;
}): Promise<{ aborted: number; calls: number; maxInFlight: number; finishOrder: string[] }> {
  const { limiter, clock } = opts;
  const byId = new Map(opts.keys.map((k) => [k.id, k]));
  const busy = new Set<string>();
  let inFlight = 0;
  let maxInFlight = 0;
  let aborted = 0;
  let calls = 0;
  const finishOrder: string[] = [];
  const attempt = (id: string): void => {
    const k = byId.get(id);
    if (k === undefined || finishOrder.includes(id)) return;
    const answer = limiter.tryAcquire({ kind: k.kind, id, volumes: [k.volume], wake: () => clock.setTimer(() => attempt(id), 0) });
    if (answer.kind === 'wait') {
      clock.setTimer(() => attempt(id), answer.retryAfterMs);
      return;
    }
    calls++;
    if (inFlight >= opts.driverLimit || busy.has(k.volume)) {
      aborted++;
      answer.permit.release();
      return;
    }
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    busy.add(k.volume);
    clock.setTimer(() => {
      inFlight--;
      busy.delete(k.volume);
      finishOrder.push(id);
      answer.permit.release();
    }, opts.durationOf(id));
  };
  for (const k of opts.keys) attempt(k.id);
  await clock.runUntilIdle(100_000);
  return { aborted, calls, maxInFlight, finishOrder };
}

describe('InflightLimiter', () => {
  test('the create limit is never exceeded and one call per volume: 120 creates over 8 volumes against a driver of 3 get no Aborted', async () => {
    const clock = new VirtualClock();
    const limiter = new InflightLimiter({ maxCreates: 3, clock });
    const keys = Array.from({ length: 120 }, (_, i) => ({ id: `c${i}`, kind: 'create' as const, volume: `vol-${i % 8}` }));
    const r = await simulate({ limiter, clock, driverLimit: 3, keys, durationOf: (id) => 100 + (Number(id.slice(1)) % 7) * 37 });
    expect(r.aborted).toBe(0);
    expect(r.calls).toBe(120);
    expect(r.maxInFlight).toBe(3);
    expect(r.finishOrder).toHaveLength(120);
    expect(limiter.stats()).toEqual({ inFlight: { create: 0, delete: 0 }, reserved: { create: 0, delete: 0 }, waiting: { create: 0, delete: 0 } });
  });

  test('without the limiter the same driver answers Aborted (the simulation can fail)', async () => {
    const clock = new VirtualClock();
    // An effectively unlimited pool that still serialises volumes would hide the Aborted answers,
    // so the control case calls the driver directly: a limiter whose pool is a whole-number 1000
    // and whose keys all use distinct fake volumes.
    const limiter = new InflightLimiter({ maxCreates: 1000, clock });
    const keys = Array.from({ length: 40 }, (_, i) => ({ id: `c${i}`, kind: 'create' as const, volume: `own-${i}` }));
    const r = await simulate({ limiter, clock, driverLimit: 3, keys, durationOf: () => 100 });
    expect(r.aborted).toBe(37);
  });

  test('one call per source volume even with no count limit (both flags unset in the pool)', () => {
    const { woken, ask } = rig({});
    const first = permitOf(ask('create', 'a1', ['A']));
    expect(ask('create', 'a2', ['A']).kind).toBe('wait');
    expect(ask('delete', 'a3', ['A']).kind).toBe('wait');
    expect(ask('create', 'b1', ['B']).kind).toBe('acquired');
    first.release();
    // A freed volume goes to the waiting delete before the waiting create.
    expect(woken).toEqual(['a3']);
    expect(ask('delete', 'a3', ['A']).kind).toBe('acquired');
  });

  test('fairness: a volume with 1 waiting create is served in the next round, not after the 400 of another volume', () => {
    const { woken, ask } = rig({ maxCreates: 2 });
    const x0 = permitOf(ask('create', 'x0', ['X']));
    const y0 = permitOf(ask('create', 'y0', ['Y']));
    for (let i = 1; i <= 400; i++) expect(ask('create', `x${i}`, ['X']).kind).toBe('wait');
    expect(ask('create', 'b1', ['B']).kind).toBe('wait');
    x0.release();
    permitOf(ask('create', 'x1', ['X']));
    y0.release();
    expect(woken).toEqual(['x1', 'b1']);
  });

  test('round-robin across volumes: 30 waiters on A and 1 each on B, C are served A, B, C before A again', () => {
    const { woken, ask } = rig({ maxCreates: 1 });
    const busy = permitOf(ask('create', 'z', ['Z']));
    for (let i = 0; i < 30; i++) ask('create', `a${i}`, ['A']);
    ask('create', 'b', ['B']);
    ask('create', 'c', ['C']);
    busy.release();
    const volumeOf = (id: string): string[] => [id.startsWith('a') ? 'A' : id.toUpperCase()];
    for (let n = 0; n < 5; n++) {
      const id = woken[n];
      if (id === undefined) throw new Error(`only ${woken.length} woken`);
      permitOf(ask('create', id, volumeOf(id))).release();
    }
    expect(woken.slice(0, 5)).toEqual(['a0', 'b', 'c', 'a1', 'a2']);
  });

  test('deletes are not starved by creates: separate pools, and a full create pool leaves deletes flowing', () => {
    const { woken, limiter, ask } = rig({ maxCreates: 2, maxDeletes: 1 });
    permitOf(ask('create', 'c1', ['V1']));
    permitOf(ask('create', 'c2', ['V2']));
    for (let i = 3; i < 50; i++) expect(ask('create', `c${i}`, [`V${i}`]).kind).toBe('wait');
    const d = permitOf(ask('delete', 'd1', ['V40']));
    expect(ask('delete', 'd2', []).kind).toBe('wait');
    d.release();
    expect(woken).toEqual(['d2']);
    expect(limiter.stats().waiting).toEqual({ create: 47, delete: 0 });
  });

  test('release on error, timeout or abort: release is idempotent and frees the slot for the next waiter once', () => {
    const { woken, limiter, ask } = rig({ maxCreates: 1 });
    const p = permitOf(ask('create', 'a', ['A']));
    ask('create', 'b', ['B']);
    ask('create', 'c', ['C']);
    p.release();
    p.release();
    expect(woken).toEqual(['b']);
    expect(limiter.stats().reserved.create).toBe(1);
    expect(limiter.stats().inFlight.create).toBe(0);
  });

  test('an unclaimed reservation expires after grantTtlMs and goes to the next waiter', async () => {
    const { clock, woken, ask } = rig({ maxCreates: 1, grantTtlMs: 1000 });
    const p = permitOf(ask('create', 'a', ['A']));
    ask('create', 'b', ['B']);
    ask('create', 'c', ['C']);
    p.release();
    expect(woken).toEqual(['b']);
    await clock.advance(999);
    expect(woken).toEqual(['b']);
    await clock.advance(1);
    expect(woken).toEqual(['b', 'c']);
    // b lost its reservation and its place: it queues behind c.
    expect(ask('create', 'b', ['B']).kind).toBe('wait');
    expect(ask('create', 'c', ['C']).kind).toBe('acquired');
  });

  test('a pass that ends without claiming a reservation made before it started hands it on; one made during the pass is kept', () => {
    const { woken, limiter, ask } = rig({ maxCreates: 1 });
    const p = permitOf(ask('create', 'a', ['A']));
    ask('create', 'b', ['B']);
    ask('create', 'c', ['C']);
    const started = limiter.passStarted();
    p.release(); // reservation for b made during b's pass
    limiter.passEnded('b', started);
    expect(limiter.stats().reserved.create).toBe(1);
    const next = limiter.passStarted();
    limiter.passEnded('b', next); // b's next pass did not need it (object gone, or already ready)
    expect(woken).toEqual(['b', 'c']);
  });

  test('a waiter that now needs a delete instead of a create gives back its create reservation', () => {
    const { woken, limiter, ask } = rig({ maxCreates: 1 });
    const p = permitOf(ask('create', 'a', ['A']));
    ask('create', 'b', ['B']);
    ask('create', 'c', ['C']);
    p.release();
    expect(permitOf(ask('delete', 'b', ['B'])).release).toBeInstanceOf(Function);
    expect(woken).toEqual(['b', 'c']);
    expect(limiter.stats()).toMatchObject({ inFlight: { create: 0, delete: 1 }, reserved: { create: 1, delete: 0 } });
  });

  test('forget frees a reservation and drops the waiter', () => {
    const { woken, limiter, ask } = rig({ maxCreates: 1 });
    const p = permitOf(ask('create', 'a', ['A']));
    ask('create', 'b', ['B']);
    ask('create', 'c', ['C']);
    limiter.forget('c');
    p.release();
    limiter.forget('b');
    expect(woken).toEqual(['b']);
    expect(limiter.stats()).toMatchObject({ reserved: { create: 0 }, waiting: { create: 0 } });
  });

  test('group snapshots take every source volume at once', () => {
    const { woken, ask } = rig({});
    const g = permitOf(ask('create', 'g', ['A', 'B']));
    expect(ask('create', 's', ['B']).kind).toBe('wait');
    g.release();
    expect(woken).toEqual(['s']);
  });

  test('a fractional limit is refused', () => {
    expect(() => new InflightLimiter({ maxCreates: 1.5, clock: new VirtualClock() })).toThrow(/whole number/);
  });
});
