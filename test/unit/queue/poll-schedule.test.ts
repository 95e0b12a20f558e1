import { describe, expect, test } from '@jest/globals';
import { readinessPollSchedule } from '../../../src/queue/poll-schedule.js';

describe('readinessPollSchedule', () => {
  test.each([
    { n: 0, want: 1000 },
    { n: 1, want: 1500 },
    { n: 2, want: 2250 },
    { n: 8, want: 25_628.90625 },
    { n: 9, want: 30_000 },
    { n: 10_000, want: 30_000 },
  ])('poll $n waits min(start·1.5^n, max) = $want ms without jitter', ({ n, want }) => {
    expect(readinessPollSchedule({ startMs: 1000, maxMs: 30_000, jitter: 0 }).delayMs(n)).toBe(want);
  });

  test('default jitter is ±10 % of the capped delay', () => {
    const at = (r: number): number => readinessPollSchedule({ startMs: 1000, maxMs: 30_000, random: () => r }).delayMs(20);
    expect(at(0)).toBeCloseTo(27_000);
    expect(at(0.5)).toBeCloseTo(30_000);
    expect(at(1)).toBeCloseTo(33_000);
  });
});
