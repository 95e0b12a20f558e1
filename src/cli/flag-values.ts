// The value kinds a Go flag can hold (Go's flag.Value implementations): scalars with strconv
// syntax, durations, and the accumulating kinds upstream registers (csi-lib-utils' stringMap for
// --leader-election-labels, component-base's MapStringBool for --feature-gates, klog's vmodule list,
// resource.Quantity). Each `set` throws FlagValueError carrying the text Go would print after
// "invalid value ... :".

import { CodedError } from '../base/coded-error.js';
import { formatGoDuration, parseGoDuration } from './go-duration.js';
import { formatGoFloat, parseGoBool, parseGoFloat64, parseGoInt64, parseGoUint, StrconvError } from './go-strconv.js';

/** Go's flag.Value, plus IsBoolFlag (bool flags take no separate argument). */
export interface FlagValue {
  readonly isBoolFlag: boolean;
  /** Parses and stores one occurrence; throws FlagValueError. */
  set(text: string): void;
}

export class FlagValueError extends CodedError<'invalid-flag-value'> {
  override readonly name = 'FlagValueError';
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super('invalid-flag-value', message, options);
  }
}

/** One flag kind: how Go parses it, prints it, names its type in usage, and what its zero value prints as. */
export interface FlagCodec<T> {
  /** The word Go's flag.UnquoteUsage shows after the flag name ('' for booleans, 'value' for custom kinds). */
  readonly typeName: string;
  readonly isBoolFlag: boolean;
  /** Go's Value.String() of the zero value: a default equal to it is not printed in usage. */
  readonly zeroText: string;
  parse(text: string): T;
  format(value: T): string;
}

// Go's flag package hides strconv details behind two fixed words for its built-in kinds.
function builtin<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (e) {
      const word = e instanceof StrconvError && e.code === 'range' ? 'value out of range' : 'parse error';
      throw new FlagValueError(word, { cause: e });
    }
  };
}

// Custom kinds (flag.BoolFunc, component-base's verbosity) print the parser's own error text.
function verbatim<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (e) {
      throw new FlagValueError(e instanceof Error ? e.message : String(e), { cause: e });
    }
  };
}

export const boolCodec: FlagCodec<boolean> = {
  typeName: '',
  isBoolFlag: true,
  zeroText: 'false',
  parse: builtin(parseGoBool),
  format: (v) => String(v),
};

/** flag.BoolFunc (--automaxprocs): a bool flag whose errors are strconv's own text. */
export const boolFuncCodec: FlagCodec<boolean> = {
  typeName: '',
  isBoolFlag: true,
  zeroText: '',
  parse: verbatim(parseGoBool),
  format: () => '',
};

/** flag.Int: strconv.ParseInt(s, 0, 64). Values beyond 2^53 lose precision only after range checks. */
export const intCodec: FlagCodec<number> = {
  typeName: 'int',
  isBoolFlag: false,
  zeroText: '0',
  parse: builtin((text) => Number(parseGoInt64(text))),
  format: (v) => String(v),
};

export const floatCodec: FlagCodec<number> = {
  typeName: 'float',
  isBoolFlag: false,
  zeroText: '0',
  parse: builtin(parseGoFloat64),
  format: formatGoFloat,
};

/** flag.Duration in milliseconds. */
export const durationCodec: FlagCodec<number> = {
  typeName: 'duration',
  isBoolFlag: false,
  zeroText: '0s',
  parse: builtin(parseGoDuration),
  format: formatGoDuration,
};

export const stringCodec: FlagCodec<string> = {
  typeName: 'string',
  isBoolFlag: false,
  zeroText: '',
  parse: (text) => text,
  format: (v) => v,
};

/** component-base's verbosity (`-v`): strconv.ParseUint(s, 10, 31), errors passed through verbatim. */
export const verbosityCodec: FlagCodec<number> = {
  typeName: 'value',
  isBoolFlag: false,
  zeroText: '0',
  parse: verbatim((text) => parseGoUint(text, 10, 31)),
  format: (v) => String(v),
};

const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const QUANTITY_SUFFIX = /^(?:|[numkMGTPE]|[KMGTPE]i|[eE][+-]?[0-9]+)$/;

/**
 * resource.QuantityValue (the --log-*-info-buffer-size quirk flags). Parsed only far enough to
 * know whether it is zero: any non-zero value is rejected later, as upstream does.
 */
export const quantityCodec: FlagCodec<string> = {
  typeName: 'value',
  isBoolFlag: false,
  zeroText: '0',
  parse: (text) => {
    const m = QUANTITY.exec(text);
    const number = m?.[1] ?? '';
    if (m === null || !QUANTITY_SUFFIX.test(m[2] ?? '') || !/^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)$/.test(number)) {
      throw new FlagValueError("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    }
    return Number(number) === 0 ? '0' : text;
  },
  format: (v) => v,
};

/** A flag holding one value of a codec; later occurrences replace earlier ones. */
export class ScalarFlagValue<T> implements FlagValue {
  value: T;
  readonly codec: FlagCodec<T>;
  constructor(codec: FlagCodec<T>, initial: T) {
    this.codec = codec;
    this.value = initial;
  }
  get isBoolFlag(): boolean {
    return this.codec.isBoolFlag;
  }
  set(text: string): void {
    this.value = this.codec.parse(text);
  }
}

/** csi-lib-utils stringMap: `k:v,k:v`, every occurrence adds to the same map. */
export class LabelsFlagValue implements FlagValue {
  readonly isBoolFlag = false;
  readonly value = new Map<string, string>();
  set(text: string): void {
    for (const item of text.split(',')) {
      const parts = item.split(':');
      if (parts.length !== 2) throw new FlagValueError(`malformed item in list of labels: ${item}`);
      this.value.set(parts[0] ?? '', parts[1] ?? '');
    }
  }
}

/** component-base MapStringBool: `Gate=bool,…`, entries merge across occurrences; names are checked later. */
export class FeatureGatesFlagValue implements FlagValue {
  readonly isBoolFlag = false;
  readonly value = new Map<string, boolean>();
  set(text: string): void {
    for (const pair of text.split(',')) {
      if (pair.length === 0) continue;
      const eq = pair.indexOf('=');
      if (eq < 0) throw new FlagValueError('malformed pair, expect string=bool');
      const key = pair.slice(0, eq).trim();
      const raw = pair.slice(eq + 1).trim();
      try {
        this.value.set(key, parseGoBool(raw));
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        throw new FlagValueError(`invalid value of ${key}: ${raw}, err: ${why}`, { cause: e });
      }
    }
  }
}

/** klog's -vmodule: `pattern=N,…`, appended across occurrences; accepted but not applied. */
export class VModuleFlagValue implements FlagValue {
  readonly isBoolFlag = false;
  readonly items: { readonly pattern: string; readonly level: number }[] = [];
  set(text: string): void {
    for (const pat of text.split(',')) {
      if (pat.length === 0) continue;
      const parts = pat.split('=');
      const [pattern = '', level = ''] = parts;
      if (parts.length !== 2 || pattern === '' || level === '') {
        throw new FlagValueError(`${JSON.stringify(pat)} does not have the pattern=N format`);
      }
      try {
        this.items.push({ pattern, level: parseGoUint(level, 10, 31) });
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        throw new FlagValueError(`parsing verbosity in ${JSON.stringify(pat)}: ${why}`, { cause: e });
      }
    }
  }
  toString(): string {
    return this.items.map((i) => `${i.pattern}=${i.level}`).join(',');
  }
}
