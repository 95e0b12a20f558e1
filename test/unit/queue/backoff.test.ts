import { describe, expect, test } from '@jest/globals';
import { exponentialBackoff } from '../../../src/queue/backoff.js';

describe('exponentialBackoff', () => {
  test.each([
    { failures: 0, want: 1000 },
    { failures: 1, want: 2000 },
    { failures: 4, want: 16_000 },
    { failures: 8, want: 256_000 },
    { failures: 9, want: 300_000 },
    { failures: 5000, want: 300_000 },
  ])('delay after $failures failures is base·2^failures capped at max: $want ms', ({ failures, want }) => {
    expect(exponentialBackoff({ baseMs: 1000, maxMs: 300_000 }).delayMs(failures)).toBe(want);
  });

  test('jitter spreads the delay by ±fraction around the capped value', () => {
    const low = exponentialBackoff({ baseMs: 1000, maxMs: 4000, jitter: 0.1, random: () => 0 });
    const high = exponentialBackoff({ baseMs: 1000, maxMs: 4000, jitter: 0.1, random: () => 0.999999 });
    expect(low.delayMs(5)).toBeCloseTo(3600);
    expect(high.delayMs(5)).toBeCloseTo(4400, 1);
  });
});
