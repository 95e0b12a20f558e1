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
});
