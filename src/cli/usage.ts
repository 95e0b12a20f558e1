// `--help` text in the exact layout of Go's flag.PrintDefaults, generated from the flag table:
// "Usage of <program>:" then, per flag in name order, `  -name type` and a tab-indented usage line
// ending in `(default …)` when the default is not the kind's zero value (Go omits zero defaults;
// the README reference lists every default).

import type { FlagRow } from './flag-row.js';
import { sortedFlagRows } from './flag-table.js';

/** Go's flag.UnquoteUsage: a back-quoted word in the usage names the value, the quotes are dropped. */
export function unquoteUsage(row: FlagRow): { readonly typeName: string; readonly usage: string } {
  const open = row.usage.indexOf('`');
  if (open >= 0) {
    const close = row.usage.indexOf('`', open + 1);
    if (close > open) {
      const name = row.usage.slice(open + 1, close);
      return { typeName: name, usage: row.usage.slice(0, open) + name + row.usage.slice(close + 1) };
    }
  }
  return { typeName: row.typeName, usage: row.usage };
}

function formatDefault(row: FlagRow): string {
  if (row.defaultIsZero) return '';
  return row.kind === 'string' ? ` (default ${JSON.stringify(row.defaultText)})` : ` (default ${row.defaultText})`;
}

export function renderFlagUsage(row: FlagRow): string {
  const { typeName, usage } = unquoteUsage(row);
  let line = `  -${row.name}`;
  if (typeName.length > 0) line += ` ${typeName}`;
  // Go keeps one-letter boolean flags on one line; every other flag gets its own usage line.
  line += line.length <= 4 ? '\t' : '\n    \t';
  line += usage.replaceAll('\n', '\n    \t');
  return line + formatDefault(row) + '\n';
}

export function renderUsage(programName: string): string {
  return `Usage of ${programName}:\n` + sortedFlagRows().map(renderFlagUsage).join('');
}
