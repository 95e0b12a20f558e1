import { describe, expect, test } from '@jest/globals';
import { redactFields, redactSecrets, STRIPPED } from '../../../src/observability/redact.js';

describe('redactSecrets', () => {
  test('replaces a `secrets` property at any depth, in objects, arrays and Maps', () => {
    const input = {
      name: 'snap-1',
      secrets: { password: 'hunter2' },
      req: { parameters: { a: '1' }, secrets: { token: 't' } },
      list: [{ secrets: { k: 'v' } }, 'x'],
      map: new Map<string, unknown>([
        ['secrets', { k: 'v' }],
        ['other', { deep: { secrets: 'plain string secret' } }],
      ]),
    };
    expect(redactSecrets(input)).toEqual({
      name: 'snap-1',
      secrets: STRIPPED,
      req: { parameters: { a: '1' }, secrets: STRIPPED },
      list: [{ secrets: STRIPPED }, 'x'],
      map: { secrets: STRIPPED, other: { deep: { secrets: STRIPPED } } },
    });
  });

  test('does not modify its input', () => {
    const input = { secrets: { password: 'p' } };
    redactSecrets(input);
    expect(input.secrets.password).toBe('p');
  });

  test('leaves primitives, Dates, Errors and byte arrays as they are', () => {
    const d = new Date(0);
    const e = new Error('x');
    const b = Buffer.from('ab');
    expect(redactSecrets(7)).toBe(7);
    expect(redactSecrets('secrets')).toBe('secrets');
    expect(redactSecrets(null)).toBeNull();
    expect(redactSecrets(d)).toBe(d);
    expect(redactSecrets(e)).toBe(e);
    expect(redactSecrets(b)).toBe(b);
  });

  test('a cycle becomes "[Circular]"; a shared (non-cyclic) object is printed each time', () => {
    const shared = { n: 1 };
    const cyclic: Record<string, unknown> = { shared, again: shared };
    cyclic['self'] = cyclic;
    expect(redactSecrets(cyclic)).toEqual({ shared: { n: 1 }, again: { n: 1 }, self: '[Circular]' });
  });

  test('Sets become arrays (as JSON would show them)', () => {
    expect(redactSecrets(new Set([{ secrets: 1 }]))).toEqual([{ secrets: STRIPPED }]);
  });

  test('redactFields strips a top-level `secrets` field too', () => {
    expect(redactFields({ secrets: 'x', a: { secrets: 'y' }, b: 1 })).toEqual({ secrets: STRIPPED, a: { secrets: STRIPPED }, b: 1 });
  });
});
