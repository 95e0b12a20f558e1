// Go's strconv number and boolean syntax (ParseBool, ParseInt/ParseUint, ParseFloat), the rules
// behind every typed Go flag. A manifest written for the Go sidecar (`--worker-threads=0x10`,
// `--kube-api-qps=1e1`, `--leader-election=True`) must mean the same thing here; JavaScript's
// Number() and parseInt() accept and reject different strings, so they are not used on raw input.

import { CodedError } from '../base/coded-error.js';

export type StrconvErrorCode = 'syntax' | 'range';

/** A strconv failure. `code` mirrors Go's ErrSyntax / ErrRange. */
export class StrconvError extends CodedError<StrconvErrorCode> {
  override readonly name = 'StrconvError';
  readonly fn: string;
  readonly input: string;
  constructor(code: StrconvErrorCode, fn: string, input: string) {
    super(code, `strconv.${fn}: parsing ${JSON.stringify(input)}: ${code === 'syntax' ? 'invalid syntax' : 'value out of range'}`);
    this.fn = fn;
    this.input = input;
  }
}

const TRUE_WORDS: ReadonlySet<string> = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS: ReadonlySet<string> = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export function parseGoBool(text: string): boolean {
  if (TRUE_WORDS.has(text)) return true;
  if (FALSE_WORDS.has(text)) return false;
  throw new StrconvError('syntax', 'ParseBool', text);
}

function lower(c: string): string {
  return c.toLowerCase();
}

/** Go's underscoreOK: `_` only between digits, or between a base prefix and a digit. */
export function underscoreOK(text: string): boolean {
  let s = text;
  let saw = '^';
  let i = 0;
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'box'.includes(lower(s[1] ?? ''))) {
    i = 2;
    saw = '0';
    hex = lower(s[1] ?? '') === 'x';
  }
  for (; i < s.length; i++) {
    const c = s[i] ?? '';
    if ((c >= '0' && c <= '9') || (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

function digitValue(c: string): number {
  const code = c.toLowerCase().charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 122) return code - 97 + 10;
  return 99;
}

interface UintSpec {
  readonly fn: string;
  readonly input: string; // the caller's original text, for the error message
  readonly base: number; // 0 = Go literal prefixes
  readonly bitSize: number;
}

function parseUintBig(text: string, spec: UintSpec): bigint {
  const fail = (code: StrconvErrorCode): StrconvError => new StrconvError(code, spec.fn, spec.input);
  if (text === '') throw fail('syntax');
  const base0 = spec.base === 0;
  let base = spec.base;
  let s = text;
  if (base0) {
    base = 10;
    if (s[0] === '0') {
      const p = lower(s[1] ?? '');
      if (s.length >= 3 && p === 'b') [base, s] = [2, s.slice(2)];
      else if (s.length >= 3 && p === 'o') [base, s] = [8, s.slice(2)];
      else if (s.length >= 3 && p === 'x') [base, s] = [16, s.slice(2)];
      else [base, s] = [8, s.slice(1)];
    }
  }
  const max = (1n << BigInt(spec.bitSize)) - 1n;
  const bigBase = BigInt(base);
  let n = 0n;
  let underscores = false;
  for (const c of s) {
    if (c === '_' && base0) {
      underscores = true;
      continue;
    }
    const d = digitValue(c);
    if (d >= base) throw fail('syntax');
    n = n * bigBase + BigInt(d);
    if (n > max) throw fail('range');
  }
  if (underscores && !underscoreOK(text)) throw fail('syntax');
  return n;
}

/** strconv.ParseUint(text, base, bitSize) as a number (bitSize ≤ 53 keeps it exact). */
export function parseGoUint(text: string, base: number, bitSize: number): number {
  return Number(parseUintBig(text, { fn: 'ParseUint', input: text, base, bitSize }));
}

/** strconv.ParseInt(text, 0, 64): `0x1F`, `0o17`, `017` (octal), `0b101`, `1_000`, sign. */
export function parseGoInt64(text: string): bigint {
  if (text === '') throw new StrconvError('syntax', 'ParseInt', text);
  const negative = text.startsWith('-');
  const body = text.startsWith('-') || text.startsWith('+') ? text.slice(1) : text;
  const cutoff = 1n << 63n;
  let un: bigint;
  try {
    un = parseUintBig(body, { fn: 'ParseInt', input: text, base: 0, bitSize: 64 });
  } catch (e) {
    if (e instanceof StrconvError && e.code === 'range') throw new StrconvError('range', 'ParseInt', text);
    throw e;
  }
  if (!negative && un >= cutoff) throw new StrconvError('range', 'ParseInt', text);
  if (negative && un > cutoff) throw new StrconvError('range', 'ParseInt', text);
  return negative ? -un : un;
}

const DECIMAL_FLOAT = /^[+-]?(?:[0-9_]+(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][+-]?[0-9_]+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]((?:[0-9a-fA-F_]+(?:\.[0-9a-fA-F_]*)?|\.[0-9a-fA-F_]+))[pP]([+-]?[0-9_]+)$/;

function special(text: string): number | undefined {
  const t = text.toLowerCase();
  for (const [word, value] of [
    ['inf', Infinity],
    ['infinity', Infinity],
  ] as const) {
    if (t === word || t === `+${word}`) return value;
    if (t === `-${word}`) return -value;
  }
  return t === 'nan' ? NaN : undefined;
}

/** strconv.ParseFloat(text, 64): decimal and hex floats, `_` separators, inf/infinity/nan. */
export function parseGoFloat64(text: string): number {
  const fail = (code: StrconvErrorCode): StrconvError => new StrconvError(code, 'ParseFloat', text);
  const sp = special(text);
  if (sp !== undefined) return sp;
  let value: number;
  const hex = HEX_FLOAT.exec(text);
  if (hex !== null) {
    const [, sign = '', mantissa = '', exp = '0'] = hex;
    const [intPart = '', fracPart = ''] = mantissa.replaceAll('_', '').split('.');
    const digits = intPart + fracPart;
    if (digits === '') throw fail('syntax');
    const m = Number(BigInt(`0x${digits}`));
    value = m * 2 ** (Number(exp.replaceAll('_', '')) - 4 * fracPart.length);
    if (sign === '-') value = -value;
  } else if (DECIMAL_FLOAT.test(text) && /[0-9]/.test(text)) {
    value = Number(text.replaceAll('_', ''));
    if (Number.isNaN(value)) throw fail('syntax');
  } else {
    throw fail('syntax');
  }
  if (text.includes('_') && !underscoreOK(text)) throw fail('syntax');
  if (!Number.isFinite(value)) throw fail('range');
  return value;
}

/** Go's strconv.FormatFloat(f, 'g', -1, 64) for the values flags actually hold. */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  const exp = value === 0 ? 0 : Math.floor(Math.log10(Math.abs(value)));
  if (exp < -4 || exp >= 6) {
    // Go's shortest 'g' switches to an exponent from 1e+06 on, with at least two exponent digits.
    const [mant = '', e = '0'] = value.toExponential().split('e');
    const sign = e.startsWith('-') ? '-' : '+';
    const digits = e.replace(/^[+-]/, '').padStart(2, '0');
    return `${mant}e${sign}${digits}`;
  }
  return String(value);
}
