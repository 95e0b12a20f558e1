import { describe, expect, test } from '@jest/globals';
import { VirtualClock, VirtualClockRunawayError } from '../../support/virtual-clock.js';

describe('VirtualClock', () => {
  test('advance fires due timers in (due, creation) order and stops at the target', async () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    clock.setTimer(() => fired.push('b@200'), 200);
    clock.setTimer(() => fired.push('a@100'), 100);
    clock.setTimer(() => fired.push('c@200'), 200);
    clock.setTimer(() => fired.push('d@301'), 301);
    await clock.advance(300);
    expect(fired).toEqual(['a@100', 'b@200', 'c@200']);
    expect(clock.monotonic()).toBe(300);
    expect(clock.pendingTimers()).toBe(1);
  });

  test('timers scheduled by fired callbacks and by awaited continuations fire within the same advance', async () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    void (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(100);
        seen.push(clock.monotonic());
      }
    })();
    clock.setTimer(() => clock.setTimer(() => seen.push(-clock.monotonic()), 50), 10);
    await clock.advance(1000);
    expect(seen).toEqual([-60, 100, 200, 300]);
    expect(clock.monotonic()).toBe(1000);
  });

  test('cancelled timers never fire; sleep rejects with the abort reason', async () => {
    const clock = new VirtualClock();
    let fired = false;
    clock.setTimer(() => (fired = true), 10).cancel();
    const ac = new AbortController();
    const slept = clock.sleep(100, ac.signal);
    ac.abort(new Error('stop'));
    await expect(slept).rejects.toThrow('stop');
    await clock.advance(1000);
    expect(fired).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
  });

  test('now() is wall time offset by virtual time; timers are clamped like Node', async () => {
    const clock = new VirtualClock({ startWallMs: 1_000_000 });
    await clock.advance(250);
    expect(clock.now()).toBe(1_000_250);
    clock.setTimer(() => undefined, 2 ** 40);
    expect(clock.nextDue()).toBe(250 + 2 ** 31 - 1);
  });

  test('runUntilIdle runs every timer, and refuses a timer that re-arms forever', async () => {
    const clock = new VirtualClock();
    let n = 0;
    clock.setTimer(() => n++, 5000);
    await clock.runUntilIdle();
    expect(n).toBe(1);
    expect(clock.monotonic()).toBe(5000);
    const tick = (): void => {
      clock.setTimer(tick, 1000);
    };
    tick();
    await expect(clock.runUntilIdle(50)).rejects.toBeInstanceOf(VirtualClockRunawayError);
  });
});
