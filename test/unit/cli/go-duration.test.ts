import { describe, expect, test } from '@jest/globals';
import {
  DurationSyntaxError,
  formatGoDuration,
  formatGoDurationNs,
  parseGoDuration,
  parseGoDurationNs,
} from '../../../src/cli/go-duration.js';

describe('parseGoDuration accepts what time.ParseDuration accepts', () => {
  test.each([
    ['0', 0],
    ['-0', 0],
    ['+0', 0],
    ['0s', 0],
    ['1ns', 0.000001],
    ['1us', 0.001],
    ['1\u00b5s', 0.001],
    ['1\u03bcs', 0.001],
    ['300ms', 300],
    ['5s', 5_000],
    ['1m', 60_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['1.s', 1_000],
    ['1.5ms', 1.5],
    ['-1m', -60_000],
    ['+2s', 2_000],
    ['1m0.5s', 60_500],
    ['2h45m3s', 9_903_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  test('fractions are truncated to whole nanoseconds, as Go does', () => {
    expect(parseGoDurationNs('1.0000000009s')).toBe(1_000_000_000n);
    expect(parseGoDurationNs('0.3333333333s')).toBe(333_333_333n);
  });

  test('the int64 range is the limit', () => {
    expect(parseGoDurationNs('2562047h47m16.854775807s')).toBe(2n ** 63n - 1n);
    expect(parseGoDurationNs('-2562047h47m16.854775808s')).toBe(-(2n ** 63n));
    expect(() => parseGoDurationNs('2562047h47m16.854775808s')).toThrow(DurationSyntaxError);
  });
});

describe('parseGoDuration rejects what time.ParseDuration rejects, with Go\'s message', () => {
  test.each([
    ['', 'invalid-duration', 'time: invalid duration ""'],
    ['-', 'invalid-duration', 'time: invalid duration "-"'],
    ['.', 'invalid-duration', 'time: invalid duration "."'],
    ['.s', 'invalid-duration', 'time: invalid duration ".s"'],
    ['s', 'invalid-duration', 'time: invalid duration "s"'],
    ['1', 'missing-unit', 'time: missing unit in duration "1"'],
    ['10', 'missing-unit', 'time: missing unit in duration "10"'],
    ['1d', 'unknown-unit', 'time: unknown unit "d" in duration "1d"'],
    ['1 s', 'unknown-unit', 'time: unknown unit " s" in duration "1 s"'],
    ['1S', 'unknown-unit', 'time: unknown unit "S" in duration "1S"'],
    ['1sm', 'unknown-unit', 'time: unknown unit "sm" in duration "1sm"'],
    ['1m-1s', 'unknown-unit', 'time: unknown unit "m-" in duration "1m-1s"'],
  ])('%j', (text, code, message) => {
    let caught: unknown;
    try {
      parseGoDuration(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DurationSyntaxError);
    expect((caught as DurationSyntaxError).code).toBe(code);
    expect((caught as DurationSyntaxError).message).toBe(message);
  });
});

describe('formatGoDuration prints like time.Duration.String()', () => {
  test.each([
    [0, '0s'],
    [15 * 60_000, '15m0s'],
    [60_000, '1m0s'],
    [5 * 60_000, '5m0s'],
    [300, '300ms'],
    [5_000, '5s'],
    [1_500, '1.5s'],
    [3_600_000, '1h0m0s'],
    [5_400_000, '1h30m0s'],
    [90_061_001, '25h1m1.001s'],
    [1.5, '1.5ms'],
    [0.0015, '1.5µs'],
    [0.000001, '1ns'],
    [-60_000, '-1m0s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });

  test('formatting then parsing is the identity on nanoseconds', () => {
    for (const ns of [1n, 999n, 1_000n, 1_234_567n, 59_999_999_999n, 3_600_000_000_001n, 2n ** 63n - 1n, -(2n ** 63n) + 1n]) {
      expect(parseGoDurationNs(formatGoDurationNs(ns))).toBe(ns);
    }
  });
});
