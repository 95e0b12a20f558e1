import { describe, expect, test } from '@jest/globals';
import { parseKubeJson, stringifyKubeJson } from '../../../src/kube/kube-json.js';

describe('int64-exact JSON (T7)', () => {
  test('a bigint is written as its exact digits, not rounded and not a string', () => {
    const body = { status: { creationTime: 1700000000123456789n, readyToUse: true, restoreSize: 1024 } };
    expect(stringifyKubeJson(body)).toBe('{"status":{"creationTime":1700000000123456789,"readyToUse":true,"restoreSize":1024}}');
  });

  test('integers beyond 2^53 parse to exact bigints; safe numbers stay numbers', () => {
    const parsed = parseKubeJson('{"a":1700000000123456789,"b":42,"c":1.5,"d":"1700000000123456789"}');
    expect(parsed).toEqual({ a: 1700000000123456789n, b: 42, c: 1.5, d: '1700000000123456789' });
  });

  test('parse and stringify round-trip an int64 unchanged', () => {
    const text = '{"creationTime":9223372036854775807}';
    expect(stringifyKubeJson(parseKubeJson(text))).toBe(text);
  });

  test('unsafe integers are found in arrays, negative, beside whitespace; floats and exponents stay numbers', () => {
    const parsed = parseKubeJson('{ "a" : [ -9223372036854775808 ,18446744073709551615],\n"f":1.12345678901234567,"e":12345678901234567e2,"s":9007199254740991}');
    expect(parsed).toEqual({ a: [-9223372036854775808n, 18446744073709551615n], f: 1.12345678901234567, e: 12345678901234567e2, s: 9007199254740991 });
  });

  test('digits inside strings are never changed, even where they look like a value', () => {
    const text = '{"t":1700000000123456789,"msg":"at:12345678901234567890,x","arr":"[12345678901234567890]","sp":"a 12345678901234567890 b"}';
    expect(parseKubeJson(text)).toEqual({
      t: 1700000000123456789n,
      msg: 'at:12345678901234567890,x',
      arr: '[12345678901234567890]',
      sp: 'a 12345678901234567890 b',
    });
  });

  test('a body that holds the internal mark character is still parsed exactly', () => {
    // m: the mark itself (JSON escape), n: a backslash followed by "u0001" and digits.
    const parsed = parseKubeJson(String.raw`{"t":1700000000123456789,"m":"\u00011700000000123456789","n":"\\u00011234"}`);
    expect(parsed).toEqual({ t: 1700000000123456789n, m: '\u00011700000000123456789', n: String.raw`\u00011234` });
  });
});

