// Go's time.ParseDuration and time.Duration.String(), so duration flags accept exactly what the
// upstream sidecar accepts (`1h30m`, `300ms`, `.5s`, `-1m`, bare `0`; no `d`) and help output prints
// defaults the way Go does (`15m0s`). Exact arithmetic runs on bigint nanoseconds; callers get
// milliseconds as a number, which is exact for every realistic flag value.
import { CodedError } from '../base/coded-error.js';
import { goQuote } from '../base/go-quote.js';

const NS_PER_UNIT: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // U+00B5 MICRO SIGN
  ['\u03bcs', 1_000n], // U+03BC GREEK SMALL LETTER MU
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const MAX_INT64 = (1n << 63n) - 1n;

export type DurationErrorCode = 'invalid-duration' | 'missing-unit' | 'unknown-unit';

/** A string that time.ParseDuration rejects; the message is Go's, word for word. */
export class DurationSyntaxError extends CodedError<DurationErrorCode> {
  override readonly name = 'DurationSyntaxError';
  constructor(code: DurationErrorCode, message: string) {
    super(code, message);
  }
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Parses like Go's time.ParseDuration and returns signed nanoseconds (int64 range). */
export function parseGoDurationNs(text: string): bigint {
  const invalid = (): DurationSyntaxError =>
    new DurationSyntaxError('invalid-duration', `time: invalid duration ${goQuote(text)}`);
  let s = text;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid();
    let i = 0;
    while (isDigit(s[i])) i++;
    const intDigits = s.slice(0, i);
    s = s.slice(i);
    let fracDigits = '';
    if (s.startsWith('.')) {
      s = s.slice(1);
      let j = 0;
      while (isDigit(s[j])) j++;
      fracDigits = s.slice(0, j);
      s = s.slice(j);
    }
    if (intDigits === '' && fracDigits === '') throw invalid(); // "." or ".s"
    let u = 0;
    while (u < s.length && s[u] !== '.' && !isDigit(s[u])) u++;
    if (u === 0) {
      throw new DurationSyntaxError('missing-unit', `time: missing unit in duration ${goQuote(text)}`);
    }
    const unitText = s.slice(0, u);
    s = s.slice(u);
    const unit = NS_PER_UNIT.get(unitText);
    if (unit === undefined) {
      throw new DurationSyntaxError(
        'unknown-unit',
        `time: unknown unit ${goQuote(unitText)} in duration ${goQuote(text)}`,
      );
    }
    const whole = intDigits === '' ? 0n : BigInt(intDigits);
    // Go truncates the fractional part to whole nanoseconds.
    const frac = fracDigits === '' ? 0n : (BigInt(fracDigits) * unit) / 10n ** BigInt(fracDigits.length);
    total += whole * unit + frac;
    if (total > MAX_INT64 + (negative ? 1n : 0n)) throw invalid();
  }
  return negative ? -total : total;
}

/** Go duration syntax → milliseconds (may be fractional, e.g. `1500us` → 1.5). */
export function parseGoDuration(text: string): number {
  return Number(parseGoDurationNs(text)) / 1e6;
}

function fractionDigits(value: bigint, precision: number): { readonly rest: bigint; readonly text: string } {
  let v = value;
  let digits = '';
  let printing = false;
  for (let i = 0; i < precision; i++) {
    const digit = v % 10n;
    printing = printing || digit !== 0n;
    if (printing) digits = digit.toString() + digits;
    v /= 10n;
  }
  return { rest: v, text: printing ? `.${digits}` : '' };
}

/** Formats nanoseconds exactly as Go's time.Duration.String(): `0s`, `1.5µs`, `300ms`, `1m0s`, `1h0m0s`. */
export function formatGoDurationNs(ns: bigint): string {
  const negative = ns < 0n;
  const u = negative ? -ns : ns;
  const sign = negative ? '-' : '';
  if (u === 0n) return '0s';
  if (u < 1_000_000_000n) {
    const { precision, unit } =
      u < 1_000n ? { precision: 0, unit: 'ns' } : u < 1_000_000n ? { precision: 3, unit: '\u00b5s' } : { precision: 6, unit: 'ms' };
    const { rest, text } = fractionDigits(u, precision);
    return `${sign}${rest.toString()}${text}${unit}`;
  }
  const { rest: seconds, text } = fractionDigits(u, 9);
  const minutes = seconds / 60n;
  const secPart = `${(seconds % 60n).toString()}${text}s`;
  if (minutes === 0n) return `${sign}${secPart}`;
  const hours = minutes / 60n;
  const minPart = `${(minutes % 60n).toString()}m${secPart}`;
  if (hours === 0n) return `${sign}${minPart}`;
  return `${sign}${hours.toString()}h${minPart}`;
}

/** Milliseconds → Go's Duration.String() (rounded to whole nanoseconds). */
export function formatGoDuration(ms: number): string {
  return formatGoDurationNs(BigInt(Math.round(ms * 1e6)));
}
