// The periodic resync (--resync-period) on virtual time: 0 disables it (issue 13 item 4: it used to
// re-add every key about every millisecond), sub-second periods are raised to client-go's 1 s
// minimum, and each tick re-adds every key once.

import { afterEach, describe, expect, test } from '@jest/globals';
import type { TimerHandle } from '../../../src/base/clock.js';
import { effectiveResyncPeriodMs, MIN_RESYNC_PERIOD_MS, startResync } from '../../../src/queue/resync.js';
import { VirtualClock } from '../../support/virtual-clock.js';

const handles: TimerHandle[] = [];
afterEach(() => {
  for (const h of handles.splice(0)) h.cancel();
});

function run(periodMs: number, keys: readonly string[]): { clock: VirtualClock; added: string[] } {
  const clock = new VirtualClock();
  const added: string[] = [];
  handles.push(startResync({ clock, periodMs, keys: () => keys, add: (k) => added.push(k) }));
  return { clock, added };
}

describe('resync', () => {
  test('TestResyncZeroDisables: --resync-period=0 schedules no timer and re-adds nothing, ever', async () => {
    const { clock, added } = run(0, ['a', 'b']);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(24 * 3600 * 1000);
    expect(added).toEqual([]);
  });

  test('every key is re-added once per period', async () => {
    const { clock, added } = run(15 * 60_000, ['a', 'b']);
    await clock.advance(15 * 60_000 - 1);
    expect(added).toEqual([]);
    await clock.advance(1);
    expect(added).toEqual(['a', 'b']);
    await clock.advance(15 * 60_000);
    expect(added).toEqual(['a', 'b', 'a', 'b']);
  });

  test.each([
    [1, MIN_RESYNC_PERIOD_MS],
    [999, MIN_RESYNC_PERIOD_MS],
    [-1, MIN_RESYNC_PERIOD_MS],
    [-3_600_000, MIN_RESYNC_PERIOD_MS],
    [1500, 1500],
    [0, undefined],
  ])('a period of %d ms runs as %s (client-go minimum 1 s; negative never spins)', (given, expected) => {
    expect(effectiveResyncPeriodMs(given)).toBe(expected);
  });

  test('a 1 ms period re-adds at most once per second', async () => {
    const { clock, added } = run(1, ['a']);
    await clock.advance(10_000);
    expect(added).toHaveLength(10);
  });

  test('cancel stops further ticks', async () => {
    const { clock, added } = run(1000, ['a']);
    await clock.advance(1000);
    handles.splice(0).forEach((h) => h.cancel());
    await clock.advance(10_000);
    expect(added).toEqual(['a']);
    expect(clock.pendingTimers()).toBe(0);
  });
});
