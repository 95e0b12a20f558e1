// A jest reporter that appends, as it happens, one line per test file and test started and
// finished to the file named by $JEST_PROGRESS_FILE (nothing when it is unset). When
// test/run-all.sh's watchdog has to kill a hung jest, no `--json` results exist; these lines
// let test/support/totals.ts name the file and test that hung and count the files that finished.
// Loaded by jest itself (Node 24 strips the types), so it imports nothing but node: modules.
// Lines, tab-separated: file-start <path> | case-start <path> <full name> |
// case-done <path> <full name> | file-done <path> <passed> <failed> <skipped> <todo> [suite-error] | complete
import fs from 'node:fs';

interface TestRef {
  readonly path: string;
}
interface CaseInfo {
  readonly fullName: string;
}
interface FileResult {
  readonly numPassingTests: number;
  readonly numFailingTests: number;
  readonly numPendingTests: number;
  readonly numTodoTests: number;
  readonly testExecError?: unknown;
  readonly failureMessage?: string | null;
}

const clean = (s: string): string => s.replace(/[\t\n\r]+/g, ' ');

export default class ProgressReporter {
  readonly #file: string | undefined = process.env['JEST_PROGRESS_FILE'] || undefined;

  #write(...fields: readonly string[]): void {
    if (this.#file === undefined) return;
    // Synchronous: the line must be on disk before a kill can come.
    fs.appendFileSync(this.#file, `${fields.map(clean).join('\t')}\n`);
  }

  onTestFileStart(test: TestRef): void {
    this.#write('file-start', test.path);
  }

  onTestCaseStart(test: TestRef, info: CaseInfo): void {
    this.#write('case-start', test.path, info.fullName);
  }

  onTestCaseResult(test: TestRef, result: CaseInfo): void {
    this.#write('case-done', test.path, result.fullName);
  }

  onTestFileResult(test: TestRef, result: FileResult): void {
    const suiteError = result.testExecError != null || (result.numFailingTests === 0 && Boolean(result.failureMessage));
    this.#write(
      'file-done',
      test.path,
      String(result.numPassingTests),
      String(result.numFailingTests),
      String(result.numPendingTests),
      String(result.numTodoTests),
      ...(suiteError ? ['suite-error'] : []),
    );
  }

  onRunComplete(): void {
    this.#write('complete');
  }

  getLastError(): Error | undefined {
    return undefined;
  }
}
