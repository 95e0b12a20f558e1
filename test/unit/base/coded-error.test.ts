import { describe, expect, test } from '@jest/globals';
import { CodedError } from '../../../src/base/coded-error.js';

type SampleCode = 'sample-bad' | 'sample-worse';

class SampleError extends CodedError<SampleCode> {
  override readonly name: string = 'SampleError';
  readonly detail: string;
  constructor(code: SampleCode, detail: string, options?: { readonly remedy?: string; readonly cause?: unknown }) {
    super(code, `sample failed: ${detail}`, options);
    this.detail = detail;
  }
}

class SubSampleError extends SampleError {
  override readonly name = 'SubSampleError';
}

describe('CodedError', () => {
  test('carries the code given by the subclass, after the subclass own fields are initialised', () => {
    // A subclass that redeclared `code` as a field would reset it to undefined (define semantics).
    const err = new SampleError('sample-worse', 'x');
    expect(err.code).toBe('sample-worse');
    expect(err.detail).toBe('x');
  });

  test('keeps the message text exactly as the subclass renders it', () => {
    expect(new SampleError('sample-bad', 'disk full', { remedy: 'free some space' }).message).toBe('sample failed: disk full');
  });

  test('remedy is the one given, and empty when none is given', () => {
    expect(new SampleError('sample-bad', 'x', { remedy: 'do y' }).remedy).toBe('do y');
    expect(new SampleError('sample-bad', 'x').remedy).toBe('');
    expect(new SampleError('sample-bad', 'x', {}).remedy).toBe('');
  });

  test('cause follows ES2022: set when given, absent when the key is absent', () => {
    const root = new Error('root');
    expect(new SampleError('sample-bad', 'x', { cause: root }).cause).toBe(root);
    expect(Object.hasOwn(new SampleError('sample-bad', 'x'), 'cause')).toBe(false);
    expect(Object.hasOwn(new SampleError('sample-bad', 'x', { remedy: 'r' }), 'cause')).toBe(false);
  });

  test('a present but undefined cause still sets the property, as Error does', () => {
    const err = new SampleError('sample-bad', 'x', { cause: undefined });
    expect(Object.hasOwn(err, 'cause')).toBe(true);
    expect(Object.hasOwn(new Error('x', { cause: undefined }), 'cause')).toBe(true);
  });

  test('name is the subclass own, also in the stack header', () => {
    expect(new SampleError('sample-bad', 'x').name).toBe('SampleError');
    expect(new SubSampleError('sample-bad', 'x').name).toBe('SubSampleError');
    expect(String(new SampleError('sample-bad', 'x'))).toBe('SampleError: sample failed: x');
  });

  test('instanceof holds for Error, CodedError, the class and its ancestors, and not for a sibling', () => {
    const err: unknown = new SubSampleError('sample-bad', 'x');
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(CodedError);
    expect(err).toBeInstanceOf(SampleError);
    expect(err).toBeInstanceOf(SubSampleError);
    expect(new SampleError('sample-bad', 'x')).not.toBeInstanceOf(SubSampleError);
    expect(new Error('plain')).not.toBeInstanceOf(CodedError);
  });

  test('a subclass must name itself (compile-time: name is abstract)', () => {
    // @ts-expect-error -- Non-abstract class 'Unnamed' does not implement inherited abstract member 'name'.
    class Unnamed extends CodedError {}
    // Without the compile-time check the name would silently be Error's.
    expect(new Unnamed('c', 'm').name).toBe('Error');
  });
});
