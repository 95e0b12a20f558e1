import { describe, expect, test } from '@jest/globals';
import {
  formatGoFloat,
  parseGoBool,
  parseGoFloat64,
  parseGoInt64,
  parseGoUint,
  StrconvError,
} from '../../../src/cli/go-strconv.js';

function errorOf(fn: () => unknown): StrconvError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StrconvError) return e;
    throw e;
  }
  throw new Error('expected a StrconvError');
}

describe('ParseBool', () => {
  test.each(['1', 't', 'T', 'TRUE', 'true', 'True'])('%s is true', (s) => expect(parseGoBool(s)).toBe(true));
  test.each(['0', 'f', 'F', 'FALSE', 'false', 'False'])('%s is false', (s) => expect(parseGoBool(s)).toBe(false));
  test.each(['', 'yes', 'tRUE', 'on', ' true', '2'])('%j is a syntax error', (s) => {
    expect(errorOf(() => parseGoBool(s)).message).toBe(`strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax`);
  });
});

describe('ParseInt(s, 0, 64)', () => {
  test.each([
    ['10', 10n],
    ['-1', -1n],
    ['+7', 7n],
    ['0x1F', 31n],
    ['0X1f', 31n],
    ['0o17', 15n],
    ['017', 15n],
    ['0b101', 5n],
    ['0', 0n],
    ['1_000', 1000n],
    ['0x_1F', 31n],
    ['9223372036854775807', 2n ** 63n - 1n],
    ['-9223372036854775808', -(2n ** 63n)],
  ])('%s → %s', (s, n) => expect(parseGoInt64(s)).toBe(n));

  test.each(['', 'abc', '1.5', '08', '0x', '1__0', '_1', '1_', '0b2', ' 1', '--1'])('%j is a syntax error', (s) => {
    expect(errorOf(() => parseGoInt64(s)).code).toBe('syntax');
  });

  test.each(['9223372036854775808', '-9223372036854775809', '0x8000000000000000'])('%s is out of range', (s) => {
    const e = errorOf(() => parseGoInt64(s));
    expect(e.code).toBe('range');
    expect(e.message).toBe(`strconv.ParseInt: parsing "${s}": value out of range`);
  });
});

describe('ParseUint(s, 10, 31) as used by -v', () => {
  test('accepts decimal up to 2^31-1', () => {
    expect(parseGoUint('5', 10, 31)).toBe(5);
    expect(parseGoUint('2147483647', 10, 31)).toBe(2147483647);
  });
  test.each([
    ['2147483648', 'range'],
    ['-1', 'syntax'],
    ['+1', 'syntax'],
    ['0x5', 'syntax'],
    ['1_0', 'syntax'],
  ])('%s → %s error', (s, code) => expect(errorOf(() => parseGoUint(s, 10, 31)).code).toBe(code));
});

describe('ParseFloat(s, 64)', () => {
  test.each([
    ['5', 5],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['5.', 5],
    ['1e1', 10],
    ['1E-2', 0.01],
    ['-2.5', -2.5],
    ['1_000.5', 1000.5],
    ['0x1p-2', 0.25],
    ['0x1.8p1', 3],
    ['inf', Infinity],
    ['+Inf', Infinity],
    ['-infinity', -Infinity],
  ])('%s → %d', (s, n) => expect(parseGoFloat64(s)).toBe(n));

  test('NaN is accepted in any case', () => expect(parseGoFloat64('nAn')).toBeNaN());
  test.each(['', 'abc', '1e', '0x1', '1..2', '+nan', 'infx', '1_', '_1', ' 1'])('%j is a syntax error', (s) => {
    expect(errorOf(() => parseGoFloat64(s)).code).toBe('syntax');
  });
  test('overflow is a range error', () => expect(errorOf(() => parseGoFloat64('1e400')).code).toBe('range'));
});

describe("FormatFloat(f, 'g', -1, 64)", () => {
  test.each([
    [5, '5'],
    [0.5, '0.5'],
    [100000, '100000'],
    [1e6, '1e+06'],
    [1.5e21, '1.5e+21'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [0, '0'],
  ])('%d → %s', (n, s) => expect(formatGoFloat(n)).toBe(s));
});
