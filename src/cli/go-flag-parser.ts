// Go's flag.FlagSet.Parse over any set of flag values: `-x` and `--x`, `--x=v` and `--x v`,
// booleans only as `--x` or `--x=<ParseBool>`, parsing stops at the first non-flag argument or at
// `--`, `-h`/`-help` ask for usage. Error texts are Go's (flag.go parseOne) because operators grep
// for them. The values themselves (./flag-values.ts) decide replace-vs-accumulate.

import type { FlagValue } from './flag-values.js';
import { FlagValueError } from './flag-values.js';

export type GoFlagParseResult =
  | {
      readonly kind: 'parsed';
      /** Flags that appeared at least once (Go's FlagSet.Visit set). */
      readonly seen: ReadonlySet<string>;
      /** Arguments from the first non-flag argument on (Go's FlagSet.Args()). */
      readonly args: readonly string[];
    }
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string };

// Go prints values with %q (strconv.Quote); JSON string syntax differs only for rare control bytes.
function goQuote(s: string): string {
  return JSON.stringify(s);
}

function valueError(e: unknown): string {
  if (e instanceof FlagValueError) return e.message;
  throw e; // a bug in a FlagValue, not bad input
}

export function parseGoFlags(argv: readonly string[], flags: ReadonlyMap<string, FlagValue>): GoFlagParseResult {
  const seen = new Set<string>();
  let i = 0;
  while (i < argv.length) {
    const s = argv[i] ?? '';
    if (s.length < 2 || !s.startsWith('-')) break;
    let dashes = 1;
    if (s[1] === '-') {
      dashes = 2;
      if (s.length === 2) {
        i++;
        break; // "--" terminates the flags
      }
    }
    let name = s.slice(dashes);
    if (name.length === 0 || name.startsWith('-') || name.startsWith('=')) {
      return { kind: 'error', message: `bad flag syntax: ${s}` };
    }
    i++;
    let value: string | undefined;
    const eq = name.indexOf('=', 1);
    if (eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const flag = flags.get(name);
    if (flag === undefined) {
      if (name === 'help' || name === 'h') return { kind: 'help' };
      return { kind: 'error', message: `flag provided but not defined: -${name}` };
    }
    if (flag.isBoolFlag) {
      try {
        flag.set(value ?? 'true');
      } catch (e) {
        const why = valueError(e);
        return {
          kind: 'error',
          message: value === undefined ? `invalid boolean flag ${name}: ${why}` : `invalid boolean value ${goQuote(value)} for -${name}: ${why}`,
        };
      }
    } else {
      if (value === undefined) {
        if (i >= argv.length) return { kind: 'error', message: `flag needs an argument: -${name}` };
        value = argv[i] ?? '';
        i++;
      }
      try {
        flag.set(value);
      } catch (e) {
        return { kind: 'error', message: `invalid value ${goQuote(value)} for flag -${name}: ${valueError(e)}` };
      }
    }
    seen.add(name);
  }
  return { kind: 'parsed', seen, args: argv.slice(i) };
}
