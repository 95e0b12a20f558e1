// The README's flag reference, rendered from the flag table so the documentation cannot drift
// from what the parser accepts (a unit test compares README.md's marked section with this output).
// Unlike Go's usage it lists every default, zero values included.

import type { FlagRow, FlagKind, FlagSupport } from './flag-row.js';
import { FEATURE_GATES, SIDECAR_FEATURE_GATES } from './feature-gates.js';
import { FLAG_TABLE } from './flag-table.js';

export const FLAG_REFERENCE_BEGIN = '<!-- flags:begin -->';
export const FLAG_REFERENCE_END = '<!-- flags:end -->';

const KIND_LABEL: Readonly<Record<FlagKind, string>> = {
  bool: 'bool',
  int: 'int',
  float: 'float',
  duration: 'duration',
  string: 'string',
  verbosity: 'int (0..2³¹−1)',
  labels: '`key:value,…` (repeatable)',
  'feature-gates': '`Gate=bool,…` (repeatable)',
  vmodule: '`pattern=N,…`',
  quantity: 'quantity',
};

const SUPPORT_NOTE: Readonly<Record<FlagSupport, string>> = {
  supported: '',
  ignored: 'accepted, ignored',
  'rejected-if-set': 'accepted; a non-default value is an error (as upstream)',
};

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function defaultCell(row: FlagRow): string {
  switch (row.kind) {
    case 'feature-gates':
      return (
        SIDECAR_FEATURE_GATES.map((g) => `\`${g.name}=${String(g.default)}\``).join(', ') +
        `; the other ${FEATURE_GATES.length - SIDECAR_FEATURE_GATES.length} gates upstream's vendored libraries register are accepted with no effect (as in upstream's sidecar)`
      );
    case 'labels':
    case 'vmodule':
      return '(none)';
    case 'string':
      return `\`"${row.defaultText}"\``;
    default:
      return `\`${row.defaultText}\``;
  }
}

function noteCell(row: FlagRow): string {
  const notes = [row.origin === 'ours' ? 'ours' : '', SUPPORT_NOTE[row.support]];
  return notes.filter((n) => n !== '').join('; ');
}

/** The markdown table (header and one row per flag, in table order), newline-terminated. */
export function renderFlagReference(rows: readonly FlagRow[] = FLAG_TABLE): string {
  const lines = [
    '| Flag | Type | Default | Meaning | Notes |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| \`--${r.name}\` | ${KIND_LABEL[r.kind]} | ${defaultCell(r)} | ${cell(r.usage)} | ${noteCell(r)} |`),
  ];
  return lines.join('\n') + '\n';
}

/** The text between the markers, or undefined when README has no (well-ordered) marker pair. */
export function extractFlagReference(readme: string): string | undefined {
  const begin = readme.indexOf(FLAG_REFERENCE_BEGIN);
  const end = readme.indexOf(FLAG_REFERENCE_END);
  if (begin < 0 || end < begin) return undefined;
  return readme.slice(begin + FLAG_REFERENCE_BEGIN.length, end);
}

/** README with the marked section replaced by the current rendering (or the section alone if absent). */
export function withFlagReference(readme: string | undefined): string {
  const section = `\n${renderFlagReference()}`;
  const block = `${FLAG_REFERENCE_BEGIN}${section}${FLAG_REFERENCE_END}\n`;
  if (readme === undefined || extractFlagReference(readme) === undefined) {
    return readme === undefined || readme === '' ? block : `${readme.trimEnd()}\n\n${block}`;
  }
  const begin = readme.indexOf(FLAG_REFERENCE_BEGIN) + FLAG_REFERENCE_BEGIN.length;
  const end = readme.indexOf(FLAG_REFERENCE_END);
  return readme.slice(0, begin) + section + readme.slice(end);
}
