import { describe, expect, test } from '@jest/globals';
import type { FlagValue } from '../../../src/cli/flag-values.js';
import {
  boolCodec,
  boolFuncCodec,
  durationCodec,
  FeatureGatesFlagValue,
  floatCodec,
  intCodec,
  LabelsFlagValue,
  quantityCodec,
  ScalarFlagValue,
  stringCodec,
  verbosityCodec,
  VModuleFlagValue,
} from '../../../src/cli/flag-values.js';
import { parseGoFlags } from '../../../src/cli/go-flag-parser.js';

function fixture() {
  const flags = {
    b: new ScalarFlagValue(boolCodec, false),
    'leader-election': new ScalarFlagValue(boolCodec, false),
    automaxprocs: new ScalarFlagValue(boolFuncCodec, false),
    'worker-threads': new ScalarFlagValue(intCodec, 10),
    'kube-api-qps': new ScalarFlagValue(floatCodec, 5),
    timeout: new ScalarFlagValue(durationCodec, 60_000),
    'csi-address': new ScalarFlagValue(stringCodec, '/run/csi/socket'),
    v: new ScalarFlagValue(verbosityCodec, 0),
    'log-text-info-buffer-size': new ScalarFlagValue(quantityCodec, '0'),
    'leader-election-labels': new LabelsFlagValue(),
    'feature-gates': new FeatureGatesFlagValue(),
    vmodule: new VModuleFlagValue(),
  };
  const map = new Map<string, FlagValue>(Object.entries(flags));
  return { flags, parse: (argv: readonly string[]) => parseGoFlags(argv, map) };
}

describe('flag syntax (Go flag.Parse)', () => {
  test.each([
    [['-worker-threads=3'], 3],
    [['--worker-threads=3'], 3],
    [['-worker-threads', '3'], 3],
    [['--worker-threads', '3'], 3],
    [['--worker-threads=1', '--worker-threads=4'], 4],
    [['--worker-threads=0x10'], 16],
    [['--worker-threads=010'], 8],
    [['--worker-threads=0o10'], 8],
    [['--worker-threads=1_0'], 10],
    [['--worker-threads', '-1'], -1],
  ])('%j sets worker-threads to %d (later values win)', (argv, n) => {
    const { flags, parse } = fixture();
    expect(parse(argv).kind).toBe('parsed');
    expect(flags['worker-threads'].value).toBe(n);
  });

  test.each([
    [['--leader-election'], true],
    [['-leader-election'], true],
    [['--leader-election=true'], true],
    [['--leader-election=True'], true],
    [['--leader-election=1'], true],
    [['--leader-election=t'], true],
    [['--leader-election=TRUE'], true],
    [['--leader-election=false'], false],
    [['--leader-election=F'], false],
    [['--leader-election=0'], false],
    [['--leader-election', '--leader-election=False'], false],
  ])('boolean %j → %s', (argv, value) => {
    const { flags, parse } = fixture();
    expect(parse(argv).kind).toBe('parsed');
    expect(flags['leader-election'].value).toBe(value);
  });

  test('a boolean never consumes the next argument: parsing stops at it', () => {
    const { flags, parse } = fixture();
    const r = parse(['--leader-election', 'false', '--v=5']);
    expect(r).toEqual({ kind: 'parsed', seen: new Set(['leader-election']), args: ['false', '--v=5'] });
    expect(flags['leader-election'].value).toBe(true);
    expect(flags.v.value).toBe(0);
  });

  test('parsing stops at the first non-flag argument', () => {
    const { flags, parse } = fixture();
    const r = parse(['--v=2', 'positional', '--worker-threads=3']);
    expect(r).toMatchObject({ kind: 'parsed', args: ['positional', '--worker-threads=3'] });
    expect(flags['worker-threads'].value).toBe(10);
  });

  test('"--" ends the flags and is consumed; a lone "-" is an argument', () => {
    const { flags, parse } = fixture();
    expect(parse(['--v=1', '--', '--v=2'])).toMatchObject({ kind: 'parsed', args: ['--v=2'] });
    expect(flags.v.value).toBe(1);
    expect(fixture().parse(['-', '--v=2'])).toMatchObject({ kind: 'parsed', args: ['-', '--v=2'] });
  });

  test('values may be empty or contain "=" and start with "-"', () => {
    const { flags, parse } = fixture();
    expect(parse(['--csi-address=', '--timeout', '-1s']).kind).toBe('parsed');
    expect(flags['csi-address'].value).toBe('');
    expect(flags.timeout.value).toBe(-1000);
    const again = fixture();
    again.parse(['--csi-address=unix:///a=b']);
    expect(again.flags['csi-address'].value).toBe('unix:///a=b');
  });

  test('durations and floats use Go syntax', () => {
    const { flags, parse } = fixture();
    parse(['--timeout=1h30m', '--kube-api-qps=1e1']);
    expect(flags.timeout.value).toBe(5_400_000);
    expect(flags['kube-api-qps'].value).toBe(10);
  });

  test('-h, -help and --help ask for usage', () => {
    for (const argv of [['-h'], ['--help'], ['-help'], ['--v=1', '-h'], ['--help=x']]) {
      expect(fixture().parse(argv)).toEqual({ kind: 'help' });
    }
  });
});

describe('accumulating flags', () => {
  test('--leader-election-labels accumulates k:v items across occurrences', () => {
    const { flags, parse } = fixture();
    parse(['--leader-election-labels=a:1,b:2', '--leader-election-labels', 'c:3,a:9']);
    expect(Object.fromEntries(flags['leader-election-labels'].value)).toEqual({ a: '9', b: '2', c: '3' });
  });

  test('--feature-gates merges key=bool pairs and trims spaces', () => {
    const { flags, parse } = fixture();
    parse(['--feature-gates=A=true, B = false', '--feature-gates=A=0,,C=T']);
    expect(Object.fromEntries(flags['feature-gates'].value)).toEqual({ A: false, B: false, C: true });
  });

  test('--vmodule appends pattern=N items', () => {
    const { flags, parse } = fixture();
    parse(['--vmodule=a=1,', '--vmodule=b*=3']);
    expect(flags.vmodule.toString()).toBe('a=1,b*=3');
  });
});

describe("errors, in Go's words", () => {
  test.each([
    [['--nope'], 'flag provided but not defined: -nope'],
    [['-x=1'], 'flag provided but not defined: -x'],
    [['---v=1'], 'bad flag syntax: ---v=1'],
    [['-=1'], 'bad flag syntax: -=1'],
    [['--worker-threads'], 'flag needs an argument: -worker-threads'],
    [['--worker-threads=abc'], 'invalid value "abc" for flag -worker-threads: parse error'],
    [['--worker-threads=9223372036854775808'], 'invalid value "9223372036854775808" for flag -worker-threads: value out of range'],
    [['--worker-threads='], 'invalid value "" for flag -worker-threads: parse error'],
    [['--kube-api-qps=abc'], 'invalid value "abc" for flag -kube-api-qps: parse error'],
    [['--timeout=1d'], 'invalid value "1d" for flag -timeout: parse error'],
    [['--timeout=10'], 'invalid value "10" for flag -timeout: parse error'],
    [['--leader-election=yes'], 'invalid boolean value "yes" for -leader-election: parse error'],
    [['--automaxprocs=x'], 'invalid boolean value "x" for -automaxprocs: strconv.ParseBool: parsing "x": invalid syntax'],
    [['-v=abc'], 'invalid value "abc" for flag -v: strconv.ParseUint: parsing "abc": invalid syntax'],
    [['-v=2147483648'], 'invalid value "2147483648" for flag -v: strconv.ParseUint: parsing "2147483648": value out of range'],
    [['--leader-election-labels=a:b:c'], 'invalid value "a:b:c" for flag -leader-election-labels: malformed item in list of labels: a:b:c'],
    [['--leader-election-labels=a'], 'invalid value "a" for flag -leader-election-labels: malformed item in list of labels: a'],
    [['--feature-gates=A'], 'invalid value "A" for flag -feature-gates: malformed pair, expect string=bool'],
    [
      ['--feature-gates=A=maybe'],
      'invalid value "A=maybe" for flag -feature-gates: invalid value of A: maybe, err: strconv.ParseBool: parsing "maybe": invalid syntax',
    ],
    [['--vmodule=a'], 'invalid value "a" for flag -vmodule: "a" does not have the pattern=N format'],
    [['--vmodule=a=x'], 'invalid value "a=x" for flag -vmodule: parsing verbosity in "a=x": strconv.ParseUint: parsing "x": invalid syntax'],
    [
      ['--log-text-info-buffer-size=lots'],
      `invalid value "lots" for flag -log-text-info-buffer-size: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    ],
  ])('%j → %s', (argv, message) => {
    expect(fixture().parse(argv)).toEqual({ kind: 'error', message });
  });

  test('parsing stops at the first error', () => {
    const { flags, parse } = fixture();
    expect(parse(['--v=1', '--nope', '--v=2']).kind).toBe('error');
    expect(flags.v.value).toBe(1);
  });
});

describe('quantities (the --log-*-info-buffer-size quirk flags)', () => {
  test.each([
    ['0', '0'],
    ['0Ki', '0'],
    ['0.0', '0'],
    ['512', '512'],
    ['1k', '1k'],
    ['2Ki', '2Ki'],
    ['5Mi', '5Mi'],
    ['1e3', '1e3'],
  ])('%s is kept as %s (zero normalised)', (text, value) => {
    const { flags, parse } = fixture();
    expect(parse([`--log-text-info-buffer-size=${text}`]).kind).toBe('parsed');
    expect(flags['log-text-info-buffer-size'].value).toBe(value);
  });
});
