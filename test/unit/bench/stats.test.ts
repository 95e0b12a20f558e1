import { describe, expect, test } from '@jest/globals';
import { median, quantile, ratio, round, spread } from '../../../bench/stats.js';

describe('bench statistics', () => {
  test('median takes the middle value, or the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  test('quantile is nearest-rank: p99 of 100 values is the 99th smallest', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile([7], 0.99)).toBe(7);
  });

  test('ratio is null when either side is missing or upstream is zero', () => {
    expect(ratio(1.5, 3)).toBe(0.5);
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(undefined, 3)).toBeNull();
    expect(ratio(Number.NaN, 3)).toBeNull();
  });

  test('spread is (max - min) / median and needs two finite values', () => {
    expect(spread([9, 10, 11])).toBeCloseTo(0.2);
    expect(spread([10])).toBeNull();
    expect(spread([10, Number.NaN])).toBeNull();
  });

  test('round keeps the requested digits', () => {
    expect(round(1.23456, 2)).toBe(1.23);
  });
});
