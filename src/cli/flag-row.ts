// The shape of one command-line flag and the builders that make one from a Go codec: its kind,
// origin, support, upstream usage text, Go default text, and how its parsed value lands in the
// options draft. The rows themselves are ./flag-table.ts; parsing (./parse-options.ts), `--help`
// (./usage.ts) and the README reference (./flag-reference.ts) read rows only through this contract.

import type { FlagCodec, FlagValue } from './flag-values.js';
import { boolCodec, durationCodec, intCodec, quantityCodec, ScalarFlagValue, stringCodec } from './flag-values.js';
import type { Options } from './options.js';

export type FlagKind =
  | 'bool'
  | 'int'
  | 'float'
  | 'duration'
  | 'string'
  | 'verbosity'
  | 'labels'
  | 'feature-gates'
  | 'vmodule'
  | 'quantity';

/** Who registers the flag upstream ('ours' = not in upstream). */
export type FlagOrigin = 'csi-snapshotter' | 'csi-lib-utils' | 'component-base' | 'ours';

/**
 * How we honour it: 'supported'; 'ignored' (accepted for manifest compatibility, no effect);
 * 'rejected-if-set' (accepted, but any non-default value fails validation exactly as upstream).
 */
export type FlagSupport = 'supported' | 'ignored' | 'rejected-if-set';

type MutableOptions = { -readonly [K in keyof Options]: Options[K] };

/** What applying parsed flags produces before validation (./parse-options.ts). */
export interface FlagDraft {
  readonly options: Partial<MutableOptions>;
  /** --feature-gates entries exactly as given (resolved and checked in ./feature-gates.ts). */
  readonly featureGateSettings: Map<string, boolean>;
  /** Quirk flags set to a non-default value (upstream: validation error, exit 1). */
  readonly alphaLoggingFlagsSet: string[];
  /** --vmodule was given a non-empty value (upstream rejects it with --logging-format=json). */
  vmoduleSet: boolean;
  /** --logging-format as given; only 'text' and 'json' pass validation. */
  loggingFormat: string;
}

/** A flag's value holder for one parse, and how its final value lands in the draft. */
export interface BoundFlag {
  readonly value: FlagValue;
  apply(draft: FlagDraft): void;
}

export interface FlagRow {
  readonly name: string;
  readonly kind: FlagKind;
  readonly origin: FlagOrigin;
  readonly support: FlagSupport;
  /** Go usage text (upstream's wording, typos included where upstream has them). */
  readonly usage: string;
  /** The type word Go's usage prints after `-name` ('' for booleans). */
  readonly typeName: string;
  /** Go's DefValue string (`15m0s`, `/run/csi/socket`, `-1`). */
  readonly defaultText: string;
  /** Go prints `(default …)` only when the default differs from the kind's zero value. */
  readonly defaultIsZero: boolean;
  /** The Options field it fills, if any (for the reference table). */
  readonly option: keyof Options | undefined;
  bind(): BoundFlag;
}

export interface RowMeta {
  readonly name: string;
  readonly origin: FlagOrigin;
  readonly usage: string;
  readonly support?: FlagSupport;
}

export function scalar<T>(
  kind: FlagKind,
  codec: FlagCodec<T>,
  meta: RowMeta & { readonly default: T; readonly option?: keyof Options },
  apply: (draft: FlagDraft, value: T) => void,
): FlagRow {
  const defaultText = codec.format(meta.default);
  return {
    ...rowIdentity(kind, meta),
    typeName: codec.typeName,
    defaultText,
    defaultIsZero: defaultText === codec.zeroText,
    bind() {
      const value = new ScalarFlagValue(codec, meta.default);
      return { value, apply: (draft) => apply(draft, value.value) };
    },
  };
}

export function custom(
  kind: FlagKind,
  meta: RowMeta & { readonly option?: keyof Options },
  bind: () => BoundFlag,
): FlagRow {
  return { ...rowIdentity(kind, meta), typeName: 'value', defaultText: '', defaultIsZero: true, bind };
}

/** What every row takes from its meta, whatever its value type. */
function rowIdentity(kind: FlagKind, meta: RowMeta & { readonly option?: keyof Options }): Pick<FlagRow, 'name' | 'kind' | 'origin' | 'support' | 'usage' | 'option'> {
  return { name: meta.name, kind, origin: meta.origin, support: meta.support ?? 'supported', usage: meta.usage, option: meta.option };
}

// Helpers that write one Options field; `option` is repeated in the row so the reference can show it.
/** Options keys whose type is exactly V (so a parsed V can be stored without a cast). */
type Keyed<V> = {
  [K in keyof MutableOptions]: [MutableOptions[K]] extends [V] ? ([V] extends [MutableOptions[K]] ? K : never) : never;
}[keyof MutableOptions];
export function dur(name: string, origin: FlagOrigin, def: number, usage: string, option: Keyed<number>): FlagRow {
  return scalar('duration', durationCodec, { name, origin, usage, default: def, option }, (d, v) => {
    d.options[option] = v;
  });
}
export function str(name: string, origin: FlagOrigin, def: string, usage: string, option: Keyed<string>): FlagRow {
  return scalar('string', stringCodec, { name, origin, usage, default: def, option }, (d, v) => {
    d.options[option] = v;
  });
}
export function int(name: string, origin: FlagOrigin, def: number, usage: string, option: Keyed<number>): FlagRow {
  return scalar('int', intCodec, { name, origin, usage, default: def, option }, (d, v) => {
    d.options[option] = v;
  });
}
export function bool(name: string, origin: FlagOrigin, usage: string, option: Keyed<boolean>): FlagRow {
  return scalar('bool', boolCodec, { name, origin, usage, default: false, option }, (d, v) => {
    d.options[option] = v;
  });
}
/** A component-base [Alpha] logging flag: accepted, but any non-default value fails validation. */
export function alphaLogging(name: string, kind: 'bool' | 'quantity', usage: string): FlagRow {
  const meta = { name, origin: 'component-base' as const, usage, support: 'rejected-if-set' as const };
  return kind === 'bool'
    ? scalar('bool', boolCodec, { ...meta, default: false }, (d, v) => {
        if (v) d.alphaLoggingFlagsSet.push(name);
      })
    : scalar('quantity', quantityCodec, { ...meta, default: '0' }, (d, v) => {
        if (v !== '0') d.alphaLoggingFlagsSet.push(name);
      });
}
