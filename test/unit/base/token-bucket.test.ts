import { describe, expect, test } from '@jest/globals';
import { TokenBucket } from '../../../src/base/token-bucket.js';
import { VirtualClock } from '../../support/virtual-clock.js';

/** Starts n acquires at once and records the virtual time each one resolves. */
async function acquireTimes(bucket: TokenBucket, clock: VirtualClock, n: number): Promise<number[]> {
  const times: number[] = [];
  const all = Array.from({ length: n }, (_, i) =>
    bucket.acquire().then(() => {
      times[i] = clock.monotonic();
    }),
  );
  await clock.runUntilIdle();
  await Promise.all(all);
  return times;
}

describe('TokenBucket', () => {
  test('starts full: burst acquisitions pass at once, the rest follow at qps (5/10: 20th at 2000 ms)', async () => {
    const clock = new VirtualClock();
    const bucket = new TokenBucket({ qps: 5, burst: 10, clock });
    const times = await acquireTimes(bucket, clock, 20);
    expect(times.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(times.slice(10)).toEqual([200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000]);
  });

  test('waiters are served in call order', async () => {
    const clock = new VirtualClock();
    const bucket = new TokenBucket({ qps: 2, burst: 1, clock });
    const order: number[] = [];
    const all = [0, 1, 2, 3].map((i) => bucket.acquire().then(() => order.push(i)));
    await clock.runUntilIdle();
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  test('refills at qps up to burst while idle', async () => {
    const clock = new VirtualClock();
    const bucket = new TokenBucket({ qps: 5, burst: 10, clock });
    for (let i = 0; i < 10; i++) expect(bucket.tryAcquire()).toBe(true);
    expect(bucket.tryAcquire()).toBe(false);
    await clock.advance(600);
    expect([bucket.tryAcquire(), bucket.tryAcquire(), bucket.tryAcquire(), bucket.tryAcquire()]).toEqual([true, true, true, false]);
    await clock.advance(3_600_000);
    const times = await acquireTimes(bucket, clock, 11);
    expect(times[9]).toBe(clock.monotonic() - 200);
  });

  test('reports the total wait and the number of delayed requests', async () => {
    const clock = new VirtualClock();
    const bucket = new TokenBucket({ qps: 5, burst: 10, clock });
    await acquireTimes(bucket, clock, 12);
    expect(bucket.throttled()).toEqual({ totalWaitMs: 600, delayedRequests: 2 });
  });

  test('qps < 0 disables the limiter', async () => {
    const clock = new VirtualClock();
    const bucket = new TokenBucket({ qps: -1, burst: 1, clock });
    expect(await acquireTimes(bucket, clock, 100)).toEqual(Array(100).fill(0));
    expect(clock.pendingTimers()).toBe(0);
  });

  test('qps 0 and burst 0 mean client-go defaults 5 and 10', async () => {
    const clock = new VirtualClock();
    const times = await acquireTimes(new TokenBucket({ qps: 0, burst: 0, clock }), clock, 11);
    expect(times[9]).toBe(0);
    expect(times[10]).toBe(200);
  });

  test('an aborted acquire rejects with the reason and returns its reservation', async () => {
    const clock = new VirtualClock();
    const bucket = new TokenBucket({ qps: 1, burst: 1, clock });
    await bucket.acquire();
    const ac = new AbortController();
    const aborted = bucket.acquire(ac.signal);
    ac.abort(new Error('gone'));
    await expect(aborted).rejects.toThrow('gone');
    expect(clock.pendingTimers()).toBe(0);
    const [next] = await acquireTimes(bucket, clock, 1);
    expect(next).toBe(1000);
  });
});
