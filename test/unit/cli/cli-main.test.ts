import { Writable } from 'node:stream';
import { describe, expect, test } from '@jest/globals';
import { cliMain, readPackageVersion } from '../../../src/cli/cli-main.js';

function capture(): { readonly stream: Writable; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

function runCli(argv: readonly string[], env: Record<string, string | undefined> = {}) {
  const stdout = capture();
  const stderr = capture();
  const outcome = cliMain(argv, env, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    program: { name: 'csi-snapshotter', version: 'v1.2.3' },
    now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 6),
  });
  return { outcome, stdout: stdout.text(), stderr: stderr.text() };
}

describe('cliMain', () => {
  test('--help: usage on stderr, nothing on stdout, exit 0 (Go flag.ExitOnError)', () => {
    const r = runCli(['--help']);
    expect(r.outcome).toEqual({ kind: 'exit', code: 0 });
    expect(r.stdout).toBe('');
    expect(r.stderr.startsWith('Usage of csi-snapshotter:\n')).toBe(true);
  });

  test('--version: "<program> <version>" on stdout, exit 0', () => {
    const r = runCli(['--version']);
    expect(r.outcome).toEqual({ kind: 'exit', code: 0 });
    expect(r.stdout).toBe('csi-snapshotter v1.2.3\n');
    expect(r.stderr).toBe('');
  });

  test('unknown flag: message then usage on stderr, exit 2', () => {
    const r = runCli(['--bogus']);
    expect(r.outcome).toEqual({ kind: 'exit', code: 2 });
    expect(r.stderr.startsWith('flag provided but not defined: -bogus\nUsage of csi-snapshotter:\n')).toBe(true);
    expect(r.stdout).toBe('');
  });

  test('bad value: message then usage on stderr, exit 2', () => {
    const r = runCli(['--kube-api-qps=abc']);
    expect(r.outcome).toEqual({ kind: 'exit', code: 2 });
    expect(r.stderr.startsWith('invalid value "abc" for flag -kube-api-qps: parse error\nUsage of')).toBe(true);
  });

  test('validation error: one klog error line on stderr (no usage), exit 1', () => {
    const r = runCli(['--timeout=0s']);
    expect(r.outcome).toEqual({ kind: 'exit', code: 1 });
    expect(r.stderr).toMatch(/^E\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ \S+:\d+\] "--timeout must be greater than zero \(e\.g\. 1m\)"\n$/);
  });

  test('a value upstream runs with but we run differently is logged as a warning at start', () => {
    const r = runCli(['--worker-threads=0']);
    expect(r.outcome.kind).toBe('run');
    expect(r.stderr).toMatch(/^W.*--worker-threads=0 would process nothing .*: using 1/m);
  });

  test('validation error with --logging-format=json is logged as JSON', () => {
    const r = runCli(['--logging-format=json', '--snapshot-name-prefix=']);
    expect(r.outcome).toEqual({ kind: 'exit', code: 1 });
    const line: unknown = JSON.parse(r.stderr);
    expect(line).toMatchObject({ msg: '--snapshot-name-prefix must not be empty' });
  });

  test('missing NODE_NAME with --node-deployment exits 255 as upstream', () => {
    const r = runCli(['--node-deployment']);
    expect(r.outcome).toEqual({ kind: 'exit', code: 255 });
    expect(r.stderr).toContain('--node-deployment');
  });

  test('run: returns Options and a logger, after logging the Version line at V(0)', () => {
    const r = runCli(['--logging-format=json', '--worker-threads=3']);
    expect(r.outcome.kind).toBe('run');
    if (r.outcome.kind !== 'run') return;
    expect(r.outcome.options.workerThreads).toBe(3);
    const lines = r.stderr.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ msg: 'Version', v: 0, version: 'v1.2.3', ts: Date.UTC(2026, 0, 2, 3, 4, 5, 6) })]);
    expect(r.stdout).toBe('');
  });

  test('run: ignored positional arguments are warned about; --automaxprocs is noted at V(2)', () => {
    const quiet = runCli(['--automaxprocs', 'extra']);
    expect(quiet.stderr).toMatch(/^W\d{4} .*"Ignoring command-line arguments/m);
    expect(quiet.stderr).toContain('args=["extra"]');
    expect(quiet.stderr).not.toContain('automaxprocs');
    const verbose = runCli(['--automaxprocs', '-v=2']);
    expect(verbose.stderr).toContain('--automaxprocs has no effect');
  });
});

describe('readPackageVersion', () => {
  test('reads package.json two directories above the module', () => {
    const moduleUrl = new URL('../../../src/cli/cli-main.ts', import.meta.url);
    expect(readPackageVersion(moduleUrl)).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('is "unknown" when package.json cannot be read', () => {
    expect(readPackageVersion('file:///nonexistent/a/b/c.js')).toBe('unknown');
  });
});
