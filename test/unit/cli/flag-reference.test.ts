import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { FLAG_TABLE } from '../../../src/cli/flag-table.js';
import {
  extractFlagReference,
  FLAG_REFERENCE_BEGIN,
  FLAG_REFERENCE_END,
  renderFlagReference,
  withFlagReference,
} from '../../../src/cli/flag-reference.js';

const README = new URL('../../../README.md', import.meta.url);

describe('README flag reference', () => {
  test('README.md\'s marked section is exactly the rendering of the flag table (regenerate with print-flag-reference)', () => {
    const section = extractFlagReference(readFileSync(README, 'utf8'));
    expect(section).toBe(`\n${renderFlagReference()}`);
  });

  test('one row per flag, with every default, type and the ours / ignored notes', () => {
    const rows = renderFlagReference().trimEnd().split('\n').slice(2);
    expect(rows).toHaveLength(FLAG_TABLE.length);
    const byName = new Map(rows.map((r) => [/^\| `--([^`]+)`/.exec(r)?.[1] ?? '', r]));
    expect(byName.get('timeout')).toMatch(/^\| `--timeout` \| duration \| `1m0s` \| .* \|  \|$/);
    expect(byName.get('kubeconfig')).toContain('| string | `""` |');
    expect(byName.get('leader-election')).toContain('| bool | `false` |');
    expect(byName.get('poll-interval-start')).toMatch(/\| `1s` \| .* \| ours \|$/);
    expect(byName.get('automaxprocs')).toMatch(/\| accepted, ignored \|$/);
    expect(byName.get('log-json-split-stream')).toMatch(/\| accepted; a non-default value is an error \(as upstream\) \|$/);
    expect(byName.get('feature-gates')).toContain('`CSIVolumeGroupSnapshot=true`, `ReleaseLeaderElectionOnExit=false`');
    expect(byName.get('feature-gates')).toContain('true\\|false');
  });

  test('withFlagReference replaces only the marked section', () => {
    const before = `# Title\n\nintro\n\n${FLAG_REFERENCE_BEGIN}\nstale\n${FLAG_REFERENCE_END}\n\noutro\n`;
    const after = withFlagReference(before);
    expect(after.startsWith('# Title\n\nintro\n\n')).toBe(true);
    expect(after.endsWith(`${FLAG_REFERENCE_END}\n\noutro\n`)).toBe(true);
    expect(extractFlagReference(after)).toBe(`\n${renderFlagReference()}`);
  });

  test('withFlagReference creates the section when there is none', () => {
    expect(withFlagReference(undefined)).toBe(`${FLAG_REFERENCE_BEGIN}\n${renderFlagReference()}${FLAG_REFERENCE_END}\n`);
    expect(withFlagReference('# T\n')).toBe(`# T\n\n${FLAG_REFERENCE_BEGIN}\n${renderFlagReference()}${FLAG_REFERENCE_END}\n`);
  });
});
