// The totals of `make test`, from what test/run-all.sh leaves in its results directory: a ledger
// (one tab-separated line per jest run, failed step and blocked test file), each jest run's
// `--json` output and the progress lines of test/support/progress-reporter.ts. It never reads a
// missing, empty or unparseable results file as "nothing failed": such a run counts one failure
// with the reason, plus what its progress lines show. Every failure is named on a line of its
// own; the last line is the one CI reads:
//   N passed, N failed, N skipped        (skipped = skipped + todo; the split is shown above it)
// Run by Node 24 directly (type stripping): `node test/support/totals.ts <results-dir>` exits 0
// when nothing failed, else 1; `node test/support/totals.ts --hung <progress-file>` names what a
// killed jest was running.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface Counts {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly todo: number;
}

export interface RunReport {
  readonly name: string;
  readonly counts: Counts;
  /** One line per failure, each naming the run and what failed. */
  readonly failures: readonly string[];
}

export interface Totals extends Counts {
  readonly runs: readonly RunReport[];
  readonly failures: readonly string[];
}

export type LedgerEntry =
  | { readonly kind: 'jest'; readonly name: string; readonly exitCode: number; readonly ended: JestEnd }
  | { readonly kind: 'step'; readonly name: string; readonly reason: string }
  | { readonly kind: 'blocked'; readonly name: string; readonly file: string; readonly reason: string };

/** How run-all.sh ended a jest that did not end by itself. */
export interface JestEnd {
  /** The phase watchdog stopped it after this many seconds. */
  readonly timedOutAfterS?: number;
  /** Every test file had finished; it did not exit within this many seconds and was stopped. */
  readonly noExitAfterS?: number;
}

/** Exit code of `timeout(1)` when it ended the command (124), or KILLed it after that (137). */
const TIMED_OUT = new Set([124, 137]);
const ZERO: Counts = { passed: 0, failed: 0, skipped: 0, todo: 0 };
/** Failed tests named one by one per run; beyond that a count. */
const MAX_NAMED = 50;

/**
 * Ledger lines, tab-separated:
 *   jest <name> <exit code> [<limit in s> [no-exit-after-<s>]]   a jest run and how it ended
 *     (no-exit-after: its files all finished, it did not exit, and run-all.sh stopped it)
 *   step <name> <reason>                        a step that failed (typecheck, world, …)
 *   blocked <name> <test file> <reason>         a test file that could not run
 * A line of any other shape is itself reported as a failure (by the caller, via `bad`).
 */
export function parseLedger(text: string): { entries: LedgerEntry[]; bad: string[] } {
  const entries: LedgerEntry[] = [];
  const bad: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const f = line.split('\t');
    if (f[0] === 'jest' && f[1] && /^\d+$/.test(f[2] ?? '')) {
      const limit = f[3] !== undefined && /^\d+$/.test(f[3]) ? Number(f[3]) : undefined;
      const noExit = /^no-exit-after-(\d+)$/.exec(f[4] ?? '');
      const ended: JestEnd = noExit
        ? { noExitAfterS: Number(noExit[1]) }
        : TIMED_OUT.has(Number(f[2])) && limit !== undefined
          ? { timedOutAfterS: limit }
          : {};
      entries.push({ kind: 'jest', name: f[1], exitCode: Number(f[2]), ended });
    } else if (f[0] === 'step' && f[1]) {
      entries.push({ kind: 'step', name: f[1], reason: f.slice(2).join(' ') || 'failed' });
    } else if (f[0] === 'blocked' && f[1] && f[2]) {
      entries.push({ kind: 'blocked', name: f[1], file: f[2], reason: f.slice(3).join(' ') || 'blocked' });
    } else {
      bad.push(line);
    }
  }
  return { entries, bad };
}

interface Progress {
  /** Files whose results arrived, with their counts. */
  readonly done: ReadonlyMap<string, Counts & { readonly suiteError: boolean }>;
  /** Files started and not finished, each with its test started and not finished (if any). */
  readonly running: ReadonlyMap<string, string | undefined>;
  readonly complete: boolean;
}

/** Reads the lines of progress-reporter.ts (unknown lines are skipped: the file may be cut short). */
export function parseProgress(text: string): Progress {
  const done = new Map<string, Counts & { suiteError: boolean }>();
  const running = new Map<string, string | undefined>();
  let complete = false;
  for (const line of text.split('\n')) {
    const f = line.split('\t');
    const file = f[1] ?? '';
    if (f[0] === 'file-start') running.set(file, undefined);
    else if (f[0] === 'case-start' && running.has(file)) running.set(file, f[2]);
    else if (f[0] === 'case-done' && running.get(file) === f[2]) running.set(file, undefined);
    else if (f[0] === 'file-done') {
      running.delete(file);
      const [passed, failed, skipped, todo] = f.slice(2, 6).map(Number);
      done.set(file, { passed: passed || 0, failed: failed || 0, skipped: skipped || 0, todo: todo || 0, suiteError: f[6] === 'suite-error' });
    } else if (f[0] === 'complete') complete = true;
  }
  return { done, running, complete };
}

/** What a jest that had to be killed was doing, in one sentence. */
export function describeHang(progressText: string | undefined): string {
  if (progressText === undefined) return 'no progress was recorded (jest hung before its first test file started)';
  const p = parseProgress(progressText);
  if (p.running.size > 0) {
    return [...p.running]
      .map(([file, test]) => `${rel(file)} was running${test === undefined ? ' (outside any test: a hook or the file itself)' : `: "${test}"`}`)
      .join('; ');
  }
  if (p.complete) return 'every test file had finished; jest did not exit (an open handle: a server, socket or timer left behind)';
  return `no test file was running (${p.done.size} had finished); jest hung between files or before reporting`;
}

function rel(file: string): string {
  const r = path.relative(process.cwd(), file);
  return r.startsWith('..') ? file : r;
}

function sum(a: Counts, b: Counts): Counts {
  return { passed: a.passed + b.passed, failed: a.failed + b.failed, skipped: a.skipped + b.skipped, todo: a.todo + b.todo };
}

interface JestAssertion {
  readonly status?: unknown;
  readonly fullName?: unknown;
}
interface JestFileResult {
  readonly name?: unknown;
  readonly status?: unknown;
  readonly message?: unknown;
  readonly assertionResults?: readonly JestAssertion[];
}
interface JestJson {
  readonly numPassedTests: number;
  readonly numFailedTests: number;
  readonly numPendingTests: number;
  readonly numTodoTests: number;
  readonly numTotalTestSuites: number;
  readonly testResults: readonly JestFileResult[];
}

function asJestJson(value: unknown): JestJson | string {
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const v = value as Record<string, unknown>;
  for (const key of ['numPassedTests', 'numFailedTests', 'numPendingTests', 'numTodoTests', 'numTotalTestSuites']) {
    if (typeof v[key] !== 'number') return `no number ${key}`;
  }
  if (!Array.isArray(v['testResults'])) return 'no testResults array';
  return value as JestJson;
}

function firstLine(message: unknown): string {
  const line = typeof message === 'string' ? message.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('●')) : undefined;
  return line === undefined ? 'the test file failed outside its tests' : line.slice(0, 200);
}

/**
 * One jest run: its JSON results when readable; otherwise one failure with the reason, and the
 * counts of the files its progress lines show finished. A run killed by the watchdog names what
 * was running. A non-zero exit with nothing failed is a failure too (jest saw something we did not).
 */
export function jestRunReport(
  name: string,
  exitCode: number,
  resultsText: string | undefined,
  progressText: string | undefined,
  ended: JestEnd = {},
): RunReport {
  const failures: string[] = [];
  const noExit = ended.noExitAfterS !== undefined;
  const timedOut = !noExit && TIMED_OUT.has(exitCode);
  if (noExit) {
    failures.push(
      `${name}: every test file finished, but jest did not exit within ${ended.noExitAfterS} s (an open handle: a server, socket or timer left behind); it was stopped`,
    );
  } else if (timedOut) {
    const s = ended.timedOutAfterS;
    const after = s === undefined ? '' : s < 120 ? ` after ${s} s` : ` after ${Math.round(s / 60)} min`;
    failures.push(`${name}: timed out${after} and was stopped; ${describeHang(progressText)}`);
  }
  let parsed: JestJson | string;
  if (resultsText === undefined || resultsText.trim() === '') {
    parsed = 'no results file was written';
  } else {
    try {
      parsed = asJestJson(JSON.parse(resultsText));
    } catch (err) {
      parsed = `the results file is not valid JSON (${(err as Error).message})`;
    }
  }
  if (typeof parsed === 'string') {
    if (!timedOut || resultsText !== undefined) failures.push(`${name}: ${parsed} (jest exit code ${exitCode})`);
    let counts = ZERO;
    if (progressText !== undefined) {
      for (const [file, c] of parseProgress(progressText).done) {
        counts = sum(counts, c);
        if (c.suiteError) failures.push(`${name}: ${rel(file)}: the test file failed outside its tests`);
      }
    }
    // The run counts as at least one failure whatever its progress showed.
    return { name, counts: { ...counts, failed: counts.failed + failures.length }, failures };
  }
  let suiteErrors = 0;
  const failedTests: string[] = [];
  for (const r of parsed.testResults) {
    const file = typeof r.name === 'string' ? rel(r.name) : '(unnamed test file)';
    const assertions = r.assertionResults ?? [];
    for (const a of assertions) if (a.status === 'failed') failedTests.push(`${name}: ${file} › ${String(a.fullName)}`);
    if (r.status === 'failed' && !assertions.some((a) => a.status === 'failed')) {
      suiteErrors++;
      failures.push(`${name}: ${file}: ${firstLine(r.message)}`);
    }
  }
  failures.push(...failedTests.slice(0, MAX_NAMED));
  if (failedTests.length > MAX_NAMED) failures.push(`${name}: … and ${failedTests.length - MAX_NAMED} more failed tests`);
  let extra = suiteErrors;
  if (parsed.numTotalTestSuites === 0) {
    failures.push(`${name}: no test file ran`);
    extra++;
  }
  if (exitCode !== 0 && parsed.numFailedTests + extra === 0 && !timedOut && !noExit) {
    failures.push(`${name}: jest exited with code ${exitCode} although no test failed (see its output above)`);
    extra++;
  }
  if (timedOut || noExit) extra++;
  const counts: Counts = {
    passed: parsed.numPassedTests,
    failed: parsed.numFailedTests + extra,
    skipped: parsed.numPendingTests,
    todo: parsed.numTodoTests,
  };
  return { name, counts, failures };
}

/** Everything in a results directory of test/run-all.sh. */
export function summarize(dir: string): Totals {
  const read = (file: string): string | undefined => {
    try {
      return fs.readFileSync(path.join(dir, file), 'utf8');
    } catch {
      return undefined;
    }
  };
  const ledgerText = read('ledger.tsv');
  const runs: RunReport[] = [];
  const failures: string[] = [];
  let counts = ZERO;
  if (ledgerText === undefined) {
    failures.push('the run left no ledger (test/run-all.sh ended before recording anything)');
    counts = { ...counts, failed: 1 };
  }
  const { entries, bad } = parseLedger(ledgerText ?? '');
  for (const line of bad) failures.push(`unreadable ledger line: ${JSON.stringify(line)}`);
  counts = { ...counts, failed: counts.failed + bad.length };
  for (const e of entries) {
    if (e.kind === 'jest') {
      const report = jestRunReport(e.name, e.exitCode, read(`${e.name}.json`), read(`${e.name}.progress`), e.ended);
      runs.push(report);
      counts = sum(counts, report.counts);
      failures.push(...report.failures);
    } else if (e.kind === 'step') {
      failures.push(`${e.name}: ${e.reason}`);
      counts = { ...counts, failed: counts.failed + 1 };
    } else {
      failures.push(`${e.name}: ${rel(e.file)} did not run: ${e.reason}`);
      counts = { ...counts, failed: counts.failed + 1 };
    }
  }
  return { ...counts, runs, failures };
}

/** The report's lines; the last is `N passed, N failed, N skipped`. */
export function render(t: Totals): string[] {
  const lines: string[] = [];
  for (const r of t.runs) {
    const c = r.counts;
    lines.push(`${r.name}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped, ${c.todo} todo`);
  }
  for (const f of t.failures) lines.push(`FAILED ${f}`);
  if (t.skipped + t.todo > 0) lines.push(`skipped: ${t.skipped} skipped and ${t.todo} todo tests (the project allows neither)`);
  lines.push(`${t.passed} passed, ${t.failed} failed, ${t.skipped + t.todo} skipped`);
  return lines;
}

function main(argv: readonly string[]): number {
  if (argv[0] === '--hung' && argv[1] !== undefined) {
    let text: string | undefined;
    try {
      text = fs.readFileSync(argv[1], 'utf8');
    } catch {
      text = undefined;
    }
    console.log(describeHang(text));
    return 0;
  }
  if (argv.length !== 1 || argv[0] === undefined) {
    console.error('usage: node test/support/totals.ts <results-dir> | --hung <progress-file>');
    return 2;
  }
  const totals = summarize(argv[0]);
  for (const line of render(totals)) console.log(line);
  return totals.failed === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
