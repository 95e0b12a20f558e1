import { describe, expect, test } from '@jest/globals';
import { FLAG_TABLE } from '../../../src/cli/flag-table.js';
import type { Options } from '../../../src/cli/options.js';
import type { CommandLine } from '../../../src/cli/parse-options.js';
import { parseCommandLine } from '../../../src/cli/parse-options.js';
import { UPSTREAM_DEFAULT_OPTIONS } from '../../support/upstream-default-options.js';

const PROGRAM = { name: 'csi-snapshotter', version: 'v9.9.9-test' };

function run(argv: readonly string[], env: Record<string, string | undefined> = {}): Options {
  const r = parseCommandLine(argv, env, PROGRAM);
  if (r.kind !== 'run') throw new Error(`expected run, got ${JSON.stringify(r)}`);
  return r.options;
}

function failure(argv: readonly string[], env: Record<string, string | undefined> = {}): Extract<CommandLine, { kind: 'error' }> {
  const r = parseCommandLine(argv, env, PROGRAM);
  if (r.kind !== 'error') throw new Error(`expected error, got ${r.kind}`);
  return r;
}

const DEFAULTS: Options = UPSTREAM_DEFAULT_OPTIONS;

describe('defaults', () => {
  test('no arguments gives upstream v8.6.0 defaults plus ours', () => {
    expect(run([])).toEqual(DEFAULTS);
  });

  const writable = FLAG_TABLE.filter((row) => row.kind !== 'labels');
  test.each(writable.map((row) => [row.name, row] as const))('--%s given its own default changes nothing', (_name, row) => {
    const arg = row.kind === 'bool' ? `--${row.name}=false` : `--${row.name}=${row.defaultText}`;
    const r = parseCommandLine([arg], {}, PROGRAM);
    expect(r.kind).toBe('run');
    if (r.kind === 'run') expect(r.options).toEqual(DEFAULTS);
  });

  test('an empty --leader-election-labels is malformed, as in csi-lib-utils', () => {
    expect(failure(['--leader-election-labels=']).message).toBe(
      'invalid value "" for flag -leader-election-labels: malformed item in list of labels: ',
    );
  });
});

// One explicit, non-default value per flag; the table check below forces a sample for every new flag.
const SAMPLES: Readonly<Record<string, { readonly argv: readonly string[]; readonly expect: Partial<Options> }>> = {
  'resync-period': { argv: ['--resync-period=1h'], expect: { resyncPeriodMs: 3_600_000 } },
  'snapshot-name-prefix': { argv: ['-snapshot-name-prefix', 'snap'], expect: { snapshotNamePrefix: 'snap' } },
  'snapshot-name-uuid-length': { argv: ['--snapshot-name-uuid-length=8'], expect: { snapshotNameUuidLength: 8 } },
  'worker-threads': { argv: ['--worker-threads=0x20'], expect: { workerThreads: 32 } },
  timeout: { argv: ['--timeout=90s'], expect: { timeoutMs: 90_000 } },
  'extra-create-metadata': { argv: ['--extra-create-metadata'], expect: { extraCreateMetadata: true } },
  'retry-interval-start': { argv: ['--retry-interval-start=500ms'], expect: { retryIntervalStartMs: 500 } },
  'retry-interval-max': { argv: ['--retry-interval-max=10m'], expect: { retryIntervalMaxMs: 600_000 } },
  'node-deployment': { argv: ['--node-deployment=true'], expect: { nodeDeployment: true, nodeName: 'node-1' } },
  'groupsnapshot-name-prefix': { argv: ['--groupsnapshot-name-prefix=g'], expect: { groupSnapshotNamePrefix: 'g' } },
  'groupsnapshot-name-uuid-length': { argv: ['--groupsnapshot-name-uuid-length=0'], expect: { groupSnapshotNameUuidLength: 0 } },
  'feature-gates': {
    argv: ['--feature-gates=CSIVolumeGroupSnapshot=true', '--feature-gates=ReleaseLeaderElectionOnExit=T'],
    expect: { featureGates: new Map([['CSIVolumeGroupSnapshot', true], ['ReleaseLeaderElectionOnExit', true]]) },
  },
  version: { argv: ['--version=false'], expect: {} },
  kubeconfig: { argv: ['--kubeconfig', '/etc/kube.conf'], expect: { kubeconfig: '/etc/kube.conf' } },
  'csi-address': { argv: ['--csi-address=/csi/csi.sock'], expect: { csiAddress: '/csi/csi.sock' } },
  'leader-election': { argv: ['--leader-election'], expect: { leaderElection: true } },
  'leader-election-namespace': { argv: ['--leader-election-namespace=kube-system'], expect: { leaderElectionNamespace: 'kube-system' } },
  'leader-election-lease-duration': { argv: ['--leader-election-lease-duration=137s'], expect: { leaderElectionLeaseDurationMs: 137_000 } },
  'leader-election-renew-deadline': { argv: ['--leader-election-renew-deadline=12s'], expect: { leaderElectionRenewDeadlineMs: 12_000 } },
  'leader-election-retry-period': { argv: ['--leader-election-retry-period=2s'], expect: { leaderElectionRetryPeriodMs: 2_000 } },
  'leader-election-labels': {
    argv: ['--leader-election-labels=a:1', '--leader-election-labels=b:2'],
    expect: { leaderElectionLabels: { a: '1', b: '2' } },
  },
  'kube-api-qps': { argv: ['--kube-api-qps=50.5'], expect: { kubeApiQps: 50.5 } },
  'kube-api-burst': { argv: ['--kube-api-burst=100'], expect: { kubeApiBurst: 100 } },
  'http-endpoint': { argv: ['--http-endpoint=:8080'], expect: { httpEndpoint: ':8080' } },
  'metrics-address': { argv: ['--metrics-address=:9090'], expect: { metricsAddress: ':9090' } },
  'metrics-path': { argv: ['--metrics-path=/m'], expect: { metricsPath: '/m' } },
  automaxprocs: { argv: ['--automaxprocs'], expect: { automaxprocs: true } },
  'logging-format': { argv: ['--logging-format=json'], expect: { loggingFormat: 'json' } },
  'log-flush-frequency': { argv: ['--log-flush-frequency=1s'], expect: { logFlushFrequencyMs: 1_000 } },
  v: { argv: ['-v=5'], expect: { v: 5 } },
  vmodule: { argv: ['--vmodule=controller*=4'], expect: { vmodule: 'controller*=4' } },
  'log-text-split-stream': { argv: ['--log-text-split-stream=false'], expect: {} },
  'log-text-info-buffer-size': { argv: ['--log-text-info-buffer-size=0Ki'], expect: {} },
  'log-json-split-stream': { argv: ['--log-json-split-stream=0'], expect: {} },
  'log-json-info-buffer-size': { argv: ['--log-json-info-buffer-size', '0'], expect: {} },
  'poll-interval-start': { argv: ['--poll-interval-start=2s'], expect: { pollIntervalStartMs: 2_000 } },
  'poll-interval-max': { argv: ['--poll-interval-max=1m'], expect: { pollIntervalMaxMs: 60_000 } },
  'termination-log-path': { argv: ['--termination-log-path=/tmp/t-log'], expect: { terminationLogPath: '/tmp/t-log' } },
  'ambiguous-create-give-up': { argv: ['--ambiguous-create-give-up=10m'], expect: { ambiguousCreateGiveUpMs: 600_000 } },
  'max-inflight-creates': { argv: ['--max-inflight-creates=4'], expect: { maxInflightCreates: 4 } },
  'max-inflight-deletes': { argv: ['--max-inflight-deletes', '2'], expect: { maxInflightDeletes: 2 } },
  check: { argv: ['--check'], expect: { check: true } },
};

describe('every flag sets its Options field', () => {
  test('every flag in the table has a sample here, and every sample a flag', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(FLAG_TABLE.map((r) => r.name).sort());
  });

  test.each(Object.entries(SAMPLES))('--%s', (_name, sample) => {
    expect(run(sample.argv, { NODE_NAME: 'node-1' })).toEqual({ ...DEFAULTS, nodeName: 'node-1', ...sample.expect });
  });
});

describe('environment', () => {
  test('proxy variables land in Options, upper case before lower case as in Go', () => {
    expect(run([], { HTTPS_PROXY: 'http://up:3128', https_proxy: 'http://low:3128', http_proxy: 'http://h:1', no_proxy: '10.0.0.0/8' })).toMatchObject({
      httpsProxy: 'http://up:3128',
      httpProxy: 'http://h:1',
      noProxy: '10.0.0.0/8',
    });
    expect(run([], { HTTPS_PROXY: '', https_proxy: 'http://low:3128' })).toMatchObject({ httpsProxy: 'http://low:3128', noProxy: undefined });
  });

  test('NODE_NAME and POD_NAMESPACE land in Options; empty counts as unset', () => {
    expect(run([], { NODE_NAME: 'n1', POD_NAMESPACE: 'ns1' })).toMatchObject({ nodeName: 'n1', podNamespace: 'ns1' });
    expect(run([], { NODE_NAME: '', POD_NAMESPACE: '' })).toMatchObject({ nodeName: undefined, podNamespace: undefined });
  });
});

describe('flag syntax errors exit 2 with usage', () => {
  test.each([
    [['--no-such-flag'], 'flag provided but not defined: -no-such-flag'],
    [['--kube-api-qps=abc'], 'invalid value "abc" for flag -kube-api-qps: parse error'],
    [['--leader-election=maybe'], 'invalid boolean value "maybe" for -leader-election: parse error'],
    [['--leader-election-labels=a:b:c'], 'invalid value "a:b:c" for flag -leader-election-labels: malformed item in list of labels: a:b:c'],
    [['--timeout=1d'], 'invalid value "1d" for flag -timeout: parse error'],
  ])('%j', (argv, message) => {
    const r = failure(argv);
    expect(r).toMatchObject({ exitCode: 2, message });
    expect(r.usage).toMatch(/^Usage of csi-snapshotter:\n/);
  });
});

describe('validation errors name the flag (exit 1, or 255 where upstream calls klog.Fatal)', () => {
  test.each([
    [['--logging-format=xml'], {}, 1, '--logging-format'],
    [['--log-flush-frequency=0s'], {}, 1, '--log-flush-frequency'],
    [['--vmodule=a=1', '--logging-format=json'], {}, 1, '--vmodule'],
    [['--log-text-split-stream'], {}, 1, '--log-text-split-stream'],
    [['--log-json-split-stream=true'], {}, 1, '--log-json-split-stream'],
    [['--log-text-info-buffer-size=1Ki'], {}, 1, '--log-text-info-buffer-size'],
    [['--log-json-info-buffer-size=512'], {}, 1, '--log-json-info-buffer-size'],
    [['--feature-gates=NoSuchGate=true'], {}, 255, 'unrecognized feature gate: NoSuchGate'],
    [['--feature-gates=APIServerTracing=false'], {}, 255, 'cannot set feature gate APIServerTracing to false, feature is locked to true'],
    [['--feature-gates=SeparateCacheWatchRPC=true'], {}, 255, 'locked to false'],
    [['--feature-gates=CSIVolumeGroupSnapshot=true', '--groupsnapshot-name-prefix='], {}, 1, '--groupsnapshot-name-prefix must not be empty'],
    [['--feature-gates=CSIVolumeGroupSnapshot=true', '--groupsnapshot-name-uuid-length=100'], {}, 1, '--groupsnapshot-name-uuid-length'],
    [['--feature-gates=AllBeta=true', '--groupsnapshot-name-prefix='], {}, 1, '--groupsnapshot-name-prefix must not be empty'],
    [['--node-deployment', '--leader-election'], { NODE_NAME: 'n' }, 1, 'Leader election cannot happen when node-deployment is set to true'],
    [['--node-deployment'], {}, 255, '--node-deployment'],
    [['--node-deployment'], { NODE_NAME: '' }, 255, 'NODE_NAME'],
    [['--metrics-address=:1', '--http-endpoint=:2'], {}, 1, 'only one of `--metrics-address` and `--http-endpoint` can be set.'],
    [['--snapshot-name-uuid-length=33'], {}, 1, '--snapshot-name-uuid-length'],
    [['--snapshot-name-uuid-length=-2'], {}, 1, '--snapshot-name-uuid-length'],
    [['--snapshot-name-prefix='], {}, 1, '--snapshot-name-prefix must not be empty'],
    [['--timeout=0'], {}, 1, '--timeout'],
    [['--timeout=-1s'], {}, 1, '--timeout'],
    [['--poll-interval-start=0s'], {}, 1, '--poll-interval-start must be greater than zero'],
    [['--poll-interval-start=1m'], {}, 1, '--poll-interval-start must not exceed --poll-interval-max'],
    [['--max-inflight-creates=-1'], {}, 1, '--max-inflight-creates must not be negative'],
    [['--max-inflight-deletes=-3'], {}, 1, '--max-inflight-deletes must not be negative'],
    [['--http-endpoint=:8080', '--metrics-path=metrics'], {}, 1, '--metrics-path'],
    [['--kube-api-burst=-1'], {}, 1, '--kube-api-burst must be greater than 0 when --kube-api-qps is greater than 0'],
    [['--kube-api-burst=0', '--kube-api-qps=0.5'], {}, 1, '--kube-api-burst must be greater than 0'],
    [['--leader-election', '--leader-election-lease-duration=10s'], {}, 1, '--leader-election-lease-duration must be greater than --leader-election-renew-deadline'],
    [['--leader-election', '--leader-election-retry-period=9s'], {}, 1, '--leader-election-renew-deadline must be greater than 1.2'],
    [['--leader-election', '--leader-election-retry-period=0s'], {}, 1, '--leader-election-retry-period must be greater than zero'],
  ])('%j', (argv, env, exitCode, fragment) => {
    const r = failure(argv, env);
    expect(r.exitCode).toBe(exitCode);
    expect(r.usage).toBeUndefined();
    expect(r.message).toContain(fragment);
  });


  test('uuid lengths -1, 0 and 32 are accepted', () => {
    for (const n of [-1, 0, 32]) expect(run([`--snapshot-name-uuid-length=${n}`]).snapshotNameUuidLength).toBe(n);
  });

  test('client-go sentinels are kept as given: qps 0, negative qps, burst 0', () => {
    expect(run(['--kube-api-qps=0', '--kube-api-burst=0'])).toMatchObject({ kubeApiQps: 0, kubeApiBurst: 0 });
    expect(run(['--kube-api-qps=-1']).kubeApiQps).toBe(-1);
  });

  test('several independent problems are reported together', () => {
    const r = failure(['--snapshot-name-prefix=', '--timeout=0s']);
    expect(r.message).toContain('--snapshot-name-prefix');
    expect(r.message).toContain('--timeout');
  });

  test('a validation error is logged in the requested format when that format is valid', () => {
    expect(failure(['--logging-format=json', '--timeout=0s']).loggingFormat).toBe('json');
    expect(failure(['--logging-format=xml']).loggingFormat).toBe('text');
  });
});

/** The run result with its warnings. */
function accepted(argv: readonly string[], env: Record<string, string | undefined> = {}): { options: Options; warnings: readonly string[] } {
  const r = parseCommandLine(argv, env, PROGRAM);
  if (r.kind !== 'run') throw new Error(`expected run, got ${JSON.stringify(r)}`);
  return { options: r.options, warnings: r.warnings };
}

describe('issue 13 item 6: what upstream v8.6.0 keeps running, we run (with a warning where we run it differently)', () => {
  const gates = (group: boolean, release = false): Map<string, boolean> =>
    new Map([
      ['CSIVolumeGroupSnapshot', group],
      ['ReleaseLeaderElectionOnExit', release],
    ]);
  test.each([
    // [argv, options expected, warning fragment or '' for none]
    [['--snapshot-name-prefix=' + 'p'.repeat(120), '--snapshot-name-uuid-length=4'], { snapshotNameUuidLength: 4 }, '', false],
    [['--snapshot-name-prefix=' + 'p'.repeat(92)], {}, '--snapshot-name-prefix makes names of 129 bytes, over the 128-byte CSI name limit', false],
    [['--snapshot-name-prefix=' + 'p'.repeat(91)], {}, '', false],
    [['--snapshot-name-prefix=' + 'p'.repeat(200), '--snapshot-name-uuid-length=8'], {}, 'makes names of 209 bytes', false],
    [['--groupsnapshot-name-prefix='], { featureGates: gates(false) }, '--groupsnapshot-name-prefix is empty: group snapshot support is off', false],
    [['--groupsnapshot-name-prefix=', '--feature-gates=CSIVolumeGroupSnapshot=false'], { featureGates: gates(false) }, '', false],
    [['--groupsnapshot-name-prefix=' + 'g'.repeat(300), '--feature-gates=CSIVolumeGroupSnapshot=false'], { featureGates: gates(false) }, '', false],
    [['--groupsnapshot-name-prefix=' + 'é'.repeat(46)], {}, '--groupsnapshot-name-prefix makes names of 129 bytes', false],
    [['--groupsnapshot-name-uuid-length=100'], { featureGates: gates(false) }, 'group snapshot support is off', false],
    [['--retry-interval-start=10m'], { retryIntervalStartMs: 600_000, retryIntervalMaxMs: 300_000 }, 'every retry waits --retry-interval-max', false],
    [['--retry-interval-start=0s'], { retryIntervalStartMs: 1000 }, '--retry-interval-start is not positive', false],
    [['--retry-interval-max=-1s'], { retryIntervalMaxMs: 300_000 }, '--retry-interval-max is not positive', false],
    [['--worker-threads=0'], { workerThreads: 1 }, '--worker-threads=0 would process nothing', false],
    [['--worker-threads=-4'], { workerThreads: 1 }, 'using 1', false],
    [['--resync-period=-1s'], { resyncPeriodMs: -1000 }, '--resync-period is negative', false],
    [['--resync-period=0'], { resyncPeriodMs: 0 }, '', false],
    [['--resync-period=10ms'], { resyncPeriodMs: 10 }, 'raised to 1s', false],
    [['--kube-api-qps=NaN'], {}, '', true],
    [['--kube-api-qps=+Inf'], { kubeApiQps: Infinity }, '', false],
    [['--kube-api-qps=-1', '--kube-api-burst=-1'], { kubeApiQps: -1, kubeApiBurst: -1 }, '', false],
    [['--kube-api-qps=NaN', '--kube-api-burst=0'], { kubeApiBurst: 0 }, '', true],
    [['--feature-gates=AllAlpha=true'], { featureGates: gates(true, true) }, '', false],
    [['--feature-gates=AllAlpha=true,ReleaseLeaderElectionOnExit=false'], { featureGates: gates(true, false) }, '', false],
    [['--feature-gates=AllBeta=false'], { featureGates: gates(false) }, '', false],
    [['--feature-gates=AllBeta=false,CSIVolumeGroupSnapshot=true'], { featureGates: gates(true) }, '', false],
    [['--feature-gates=WatchList=false,ComponentFlagz=false,NativeHistograms=true,ShardedListAndWatch=true'], { featureGates: gates(true) }, '', false],
    [['--feature-gates=APIServerTracing=true'], {}, 'setting GA feature gate APIServerTracing=true', false],
    [['--feature-gates=KMSv1=true'], {}, 'setting deprecated feature gate KMSv1=true', false],
  ] as const)('%j', (argv, expected, warning, qpsIsNaN) => {
    const r = accepted(argv);
    expect(r.options).toMatchObject(expected);
    if (qpsIsNaN) expect(r.options.kubeApiQps).toBeNaN();
    if (warning === '') expect(r.warnings).toEqual([]);
    else expect(r.warnings.join('\n')).toContain(warning);
  });

  test('an upstream default run has no warnings', () => {
    expect(accepted([]).warnings).toEqual([]);
  });
});

describe('help and version', () => {
  test.each([['-h'], ['--help'], ['-help']])('%s → usage, exit 0', (arg) => {
    const r = parseCommandLine([arg], {}, PROGRAM);
    expect(r.kind).toBe('help');
    if (r.kind === 'help') {
      expect(r.exitCode).toBe(0);
      expect(r.text.startsWith('Usage of csi-snapshotter:\n')).toBe(true);
    }
  });

  test('--version prints "<program> <version>" and exits 0', () => {
    expect(parseCommandLine(['--version'], {}, PROGRAM)).toEqual({ kind: 'version', text: 'csi-snapshotter v9.9.9-test', exitCode: 0 });
  });

  test('upstream order: logging config and feature gates are checked before --version, the rest after', () => {
    expect(failure(['--version', '--logging-format=xml']).exitCode).toBe(1);
    expect(failure(['--version', '--feature-gates=Nope=true']).exitCode).toBe(255);
    expect(parseCommandLine(['--version', '--node-deployment', '--leader-election'], {}, PROGRAM).kind).toBe('version');
  });

  test('arguments after the first non-flag argument are reported as ignored', () => {
    const r = parseCommandLine(['--leader-election', 'false', '--v=5'], {}, PROGRAM);
    expect(r).toMatchObject({ kind: 'run', ignoredArgs: ['false', '--v=5'] });
    if (r.kind === 'run') expect(r.options).toMatchObject({ leaderElection: true, v: 0 });
  });
});
