import { describe, expect, test } from '@jest/globals';
import { FLAG_TABLE } from '../../../src/cli/flag-table.js';
import { renderUsage } from '../../../src/cli/usage.js';
import { knownFeatureLines } from '../../../src/cli/feature-gates.js';

const usage = renderUsage('csi-snapshotter');

/** The usage split into one block per flag, keyed by flag name. */
function blocks(): Map<string, string> {
  const out = new Map<string, string>();
  for (const block of usage.split(/^(?=  -)/m).slice(1)) {
    const name = /^ {2}-(\S+)/.exec(block)?.[1];
    if (name !== undefined) out.set(name, block);
  }
  return out;
}

describe('--help text (Go flag.PrintDefaults layout)', () => {
  test('starts with "Usage of <program>:"', () => {
    expect(usage.startsWith('Usage of csi-snapshotter:\n  -')).toBe(true);
  });

  test('lists every flag of the table exactly once, sorted by name as Go does', () => {
    const names = [...blocks().keys()];
    expect(names).toEqual(FLAG_TABLE.map((r) => r.name).sort());
  });

  test.each(FLAG_TABLE.map((row) => [row.name, row] as const))('-%s shows its default unless it is the zero value', (name, row) => {
    const block = blocks().get(name) ?? '';
    if (row.defaultIsZero) {
      expect(block).not.toContain('(default ');
    } else {
      const shown = row.kind === 'string' ? JSON.stringify(row.defaultText) : row.defaultText;
      expect(block.endsWith(`(default ${shown})\n`)).toBe(true);
    }
  });

  test.each([
    ['timeout', '  -timeout duration\n    \tThe timeout for any RPCs to the CSI driver. Default is 1 minute. (default 1m0s)\n'],
    ['resync-period', '  -resync-period duration\n    \tResync interval of the controller. Default is 15 minutes (default 15m0s)\n'],
    ['csi-address', '  -csi-address string\n    \tAddress of the CSI driver socket. (default "/run/csi/socket")\n'],
    ['kube-api-qps', '  -kube-api-qps float\n    \tQPS to use while communicating with the kubernetes apiserver. Defaults to 5.0. (default 5)\n'],
    ['leader-election', '  -leader-election\n    \tEnable leader election.\n'],
    ['v', '  -v value\n    \tnumber for the log level verbosity\n'],
    ['metrics-path', '  -metrics-path /metrics\n    \tThe HTTP path where prometheus metrics will be exposed. Default is /metrics. (default "/metrics")\n'],
    [
      'feature-gates',
      '  -feature-gates value\n    \tComma-seprated list of key=value pairs that describe feature gates for alpha/experimental features. Options are:\n' +
        knownFeatureLines().map((l) => `    \t${l}\n`).join(''),
    ],
  ])('-%s renders exactly as Go would', (name, expected) => {
    expect(blocks().get(name)).toBe(expected);
  });

  test('a back-quoted word names the value and only the first pair is unquoted (flag.UnquoteUsage)', () => {
    const block = blocks().get('http-endpoint') ?? '';
    expect(block.startsWith('  -http-endpoint :8080\n')).toBe(true);
    expect(block).toContain('(example: :8080)');
    expect(block).toContain('Only one of `--metrics-address` and `--http-endpoint` can be set.');
  });

  test("--feature-gates lists what Go's KnownFeatures lists: alpha and beta gates, sorted, AllAlpha/AllBeta included", () => {
    const block = blocks().get('feature-gates') ?? '';
    expect(block).toContain('\tAllAlpha=true|false (ALPHA - default=false)\n    \tAllBeta=true|false (BETA - default=false)\n');
    expect(block).toContain('\tCSIVolumeGroupSnapshot=true|false (BETA - default=true)\n');
    expect(block).toContain('\tReleaseLeaderElectionOnExit=true|false (ALPHA - default=false)\n');
    expect(block).toContain('\tWatchList=true|false (BETA - default=true)\n');
    expect(block).not.toContain('APIServerTracing'); // GA: accepted but not listed, as Go
    expect(block).not.toContain('KMSv1'); // deprecated: idem
    const lines = block.split('\n').slice(2, -1).map((l) => l.replace('    \t', ''));
    expect(lines).toEqual([...lines].sort());
  });
});
