// The totals of `make test` (test/support/totals.ts): a run whose results cannot be read, a file
// that fails outside its tests, a hung run and a blocked file all count as failed and are named;
// skipped and todo tests are counted; the last line is the one CI reads.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from '@jest/globals';
import { describeHang, jestRunReport, parseLedger, render, summarize } from '../../support/totals.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const TOTALS_LINE = /^(\d+) passed, (\d+) failed, (\d+) skipped$/;

interface Assertion {
  readonly status: 'passed' | 'failed' | 'pending' | 'todo';
  readonly fullName: string;
}

/** A jest --json document with one entry per file. */
function jestJson(files: { name: string; status: 'passed' | 'failed'; message?: string; assertions: Assertion[] }[]): string {
  const all = files.flatMap((f) => f.assertions);
  const count = (s: Assertion['status']): number => all.filter((a) => a.status === s).length;
  return JSON.stringify({
    success: files.every((f) => f.status === 'passed'),
    numPassedTests: count('passed'),
    numFailedTests: count('failed'),
    numPendingTests: count('pending'),
    numTodoTests: count('todo'),
    numTotalTestSuites: files.length,
    numRuntimeErrorTestSuites: files.filter((f) => f.status === 'failed' && f.assertions.length === 0).length,
    testResults: files.map((f) => ({ name: path.join(REPO, f.name), status: f.status, message: f.message ?? '', assertionResults: f.assertions })),
  });
}

const ok = (fullName: string): Assertion => ({ status: 'passed', fullName });

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function resultsDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'totals-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

function totalsLine(lines: readonly string[]): { passed: number; failed: number; skipped: number } {
  const m = TOTALS_LINE.exec(lines.at(-1) ?? '');
  if (m === null) throw new Error(`last line is not the totals line: ${JSON.stringify(lines.at(-1))}`);
  return { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3]) };
}

describe('totals', () => {
  test('a results file that is not JSON is a named failure, never "0 failed"', () => {
    const dir = resultsDir({ 'ledger.tsv': 'jest\tunit\t0\n', 'unit.json': '{"numPassedTests": 12, "numFail' });
    const lines = render(summarize(dir));
    expect(totalsLine(lines)).toEqual({ passed: 0, failed: 1, skipped: 0 });
    expect(lines).toContainEqual(expect.stringMatching(/^FAILED unit: the results file is not valid JSON \(.+\) \(jest exit code 0\)$/));
  });

  test('JSON of the wrong shape (no counts) is a named failure too', () => {
    const dir = resultsDir({ 'ledger.tsv': 'jest\tunit\t0\n', 'unit.json': '{"testResults": []}' });
    const lines = render(summarize(dir));
    expect(totalsLine(lines).failed).toBe(1);
    expect(lines).toContain('FAILED unit: no number numPassedTests (jest exit code 0)');
  });

  test('a missing results file counts as failed, with the counts of the files its progress shows finished', () => {
    const progress = [
      `file-start\t${REPO}/test/unit/a.test.ts`,
      `file-done\t${REPO}/test/unit/a.test.ts\t5\t1\t0\t0`,
      `file-start\t${REPO}/test/unit/b.test.ts`,
      `file-done\t${REPO}/test/unit/b.test.ts\t0\t0\t0\t0\tsuite-error`,
      'complete',
    ].join('\n');
    const dir = resultsDir({ 'ledger.tsv': 'jest\tintegration\t1\n', 'integration.progress': progress });
    const t = summarize(dir);
    const lines = render(t);
    expect(totalsLine(lines)).toEqual({ passed: 5, failed: 3, skipped: 0 });
    expect(lines).toContain('FAILED integration: no results file was written (jest exit code 1)');
    expect(lines).toContain('FAILED integration: test/unit/b.test.ts: the test file failed outside its tests');
  });

  test('a test file that fails outside its tests (import error, failing hook) is counted and named', () => {
    const json = jestJson([
      { name: 'test/unit/good.test.ts', status: 'passed', assertions: [ok('a'), ok('b')] },
      { name: 'test/unit/broken.test.ts', status: 'failed', message: '  ● Test suite failed to run\n\n    Cannot find module ./gone.js', assertions: [] },
    ]);
    const dir = resultsDir({ 'ledger.tsv': 'jest\tunit\t1\n', 'unit.json': json });
    const lines = render(summarize(dir));
    expect(totalsLine(lines)).toEqual({ passed: 2, failed: 1, skipped: 0 });
    expect(lines).toContain('FAILED unit: test/unit/broken.test.ts: Cannot find module ./gone.js');
  });

  test('failed tests are named; skipped and todo tests are counted and shown', () => {
    const json = jestJson([
      {
        name: 'test/unit/mixed.test.ts',
        status: 'failed',
        assertions: [ok('x'), { status: 'failed', fullName: 'mixed breaks' }, { status: 'pending', fullName: 's' }, { status: 'todo', fullName: 't' }, { status: 'todo', fullName: 'u' }],
      },
    ]);
    const dir = resultsDir({ 'ledger.tsv': 'jest\tunit\t1\n', 'unit.json': json });
    const lines = render(summarize(dir));
    expect(totalsLine(lines)).toEqual({ passed: 1, failed: 1, skipped: 3 });
    expect(lines).toContain('unit: 1 passed, 1 failed, 1 skipped, 2 todo');
    expect(lines).toContain('FAILED unit: test/unit/mixed.test.ts › mixed breaks');
    expect(lines).toContain('skipped: 1 skipped and 2 todo tests (the project allows neither)');
  });

  test('every file a world that did not come up blocked counts as failed, by name, beside the failed step', () => {
    const ledger = [
      'jest\tunit\t0',
      'step\ttest world\tdid not come up within 180 s (log: /tmp/csw-1/world-cli.log)',
      `blocked\tintegration\t${REPO}/test/integration/kube/a.test.ts\tthe test world did not come up`,
      `blocked\te2e\t${REPO}/test/e2e/b.test.ts\tthe test world did not come up`,
    ].join('\n');
    const dir = resultsDir({ 'ledger.tsv': ledger, 'unit.json': jestJson([{ name: 'test/unit/u.test.ts', status: 'passed', assertions: [ok('u')] }]) });
    const lines = render(summarize(dir));
    expect(totalsLine(lines)).toEqual({ passed: 1, failed: 3, skipped: 0 });
    expect(lines).toContain('FAILED test world: did not come up within 180 s (log: /tmp/csw-1/world-cli.log)');
    expect(lines).toContain('FAILED integration: test/integration/kube/a.test.ts did not run: the test world did not come up');
    expect(lines).toContain('FAILED e2e: test/e2e/b.test.ts did not run: the test world did not come up');
  });

  test('a run the watchdog stopped names the test that was running', () => {
    const progress = [
      `file-start\t${REPO}/test/e2e/slow.test.ts`,
      `case-start\t${REPO}/test/e2e/slow.test.ts\tsnapshot becomes ready`,
      `file-start\t${REPO}/test/e2e/fine.test.ts`,
      `file-done\t${REPO}/test/e2e/fine.test.ts\t4\t0\t0\t0`,
    ].join('\n');
    const dir = resultsDir({ 'ledger.tsv': 'jest\te2e\t124\t1800\n', 'e2e.progress': progress });
    const lines = render(summarize(dir));
    expect(totalsLine(lines)).toEqual({ passed: 4, failed: 1, skipped: 0 });
    expect(lines).toContain('FAILED e2e: timed out after 30 min and was stopped; test/e2e/slow.test.ts was running: "snapshot becomes ready"');
  });

  test('a jest that finished its files but did not exit (stopped by run-all.sh) is one failure, beside its counts', () => {
    const json = jestJson([{ name: 'test/e2e/e.test.ts', status: 'passed', assertions: [ok('e1'), ok('e2')] }]);
    const dir = resultsDir({ 'ledger.tsv': 'jest\te2e\t143\t2400\tno-exit-after-60\n', 'e2e.json': json });
    const lines = render(summarize(dir));
    expect(totalsLine(lines)).toEqual({ passed: 2, failed: 1, skipped: 0 });
    expect(lines).toContain(
      'FAILED e2e: every test file finished, but jest did not exit within 60 s (an open handle: a server, socket or timer left behind); it was stopped',
    );
  });

  test('describeHang: a hook, an open handle, no progress at all', () => {
    expect(describeHang(`file-start\t${REPO}/test/e2e/h.test.ts\n`)).toBe('test/e2e/h.test.ts was running (outside any test: a hook or the file itself)');
    expect(describeHang(`file-start\t/x.test.ts\nfile-done\t/x.test.ts\t1\t0\t0\t0\ncomplete\n`)).toMatch(/^every test file had finished; jest did not exit/);
    expect(describeHang(undefined)).toMatch(/^no progress was recorded/);
  });

  test('a non-zero jest exit with nothing failed, or a run of no files, is a failure', () => {
    const none = jestJson([]);
    expect(jestRunReport('unit', 1, none, undefined).failures).toEqual(['unit: no test file ran']);
    const passing = jestJson([{ name: 'test/unit/p.test.ts', status: 'passed', assertions: [ok('p')] }]);
    const r = jestRunReport('unit', 1, passing, undefined);
    expect(r.counts.failed).toBe(1);
    expect(r.failures).toEqual(['unit: jest exited with code 1 although no test failed (see its output above)']);
    expect(jestRunReport('unit', 0, passing, undefined)).toEqual({ name: 'unit', counts: { passed: 1, failed: 0, skipped: 0, todo: 0 }, failures: [] });
  });

  test('no ledger, or a line of unknown shape, is a failure', () => {
    expect(totalsLine(render(summarize(resultsDir({}))))).toEqual({ passed: 0, failed: 1, skipped: 0 });
    expect(parseLedger('jest\tunit\tnot-a-number\n').bad).toEqual(['jest\tunit\tnot-a-number']);
  });

  test('the script run by Node 24 prints the totals line last and exits 1 on a failure, 0 without', async () => {
    const node = fs.realpathSync(path.join(REPO, 'node_modules/.bin/node'));
    const script = path.join(REPO, 'test/support/totals.ts');
    const failing = resultsDir({ 'ledger.tsv': 'jest\tunit\t0\n', 'unit.json': 'garbage' });
    const err = await promisify(execFile)(node, [script, failing], { cwd: REPO }).catch((e: unknown) => e as { code: number; stdout: string });
    expect((err as { code: number }).code).toBe(1);
    expect((err as { stdout: string }).stdout.trim().split('\n').at(-1)).toBe('0 passed, 1 failed, 0 skipped');
    const passing = resultsDir({ 'ledger.tsv': 'jest\tunit\t0\n', 'unit.json': jestJson([{ name: 'test/unit/p.test.ts', status: 'passed', assertions: [ok('p')] }]) });
    const r = await promisify(execFile)(node, [script, passing], { cwd: REPO });
    expect(r.stdout.trim().split('\n').at(-1)).toBe('1 passed, 0 failed, 0 skipped');
  }, 30_000);
});
