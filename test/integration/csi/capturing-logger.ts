// A Logger that records every line it would print (honouring a --v level), for assertions on
// log content in the CSI integration tests.

import type { LogFields, Logger, LogSink } from '../../../src/observability/logger.js';

export interface CapturedLine {
  readonly severity: 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly fields: LogFields;
}

export class CapturingLogger implements Logger {
  readonly lines: CapturedLine[];
  private readonly verbosity: number;
  private readonly base: LogFields;

  constructor(verbosity = 0, lines: CapturedLine[] = [], base: LogFields = {}) {
    this.verbosity = verbosity;
    this.lines = lines;
    this.base = base;
  }

  info(msg: string, fields: LogFields = {}): void {
    this.lines.push({ severity: 'info', msg, fields: { ...this.base, ...fields } });
  }
  warn(msg: string, fields: LogFields = {}): void {
    this.lines.push({ severity: 'warn', msg, fields: { ...this.base, ...fields } });
  }
  error(msg: string, fields: LogFields = {}): void {
    this.lines.push({ severity: 'error', msg, fields: { ...this.base, ...fields } });
  }
  v(level: number): LogSink {
    return level <= this.verbosity ? { info: (msg, fields) => this.info(msg, fields) } : { info: () => undefined };
  }
  enabled(level: number): boolean {
    return level <= this.verbosity;
  }
  with(fields: LogFields): Logger {
    return new CapturingLogger(this.verbosity, this.lines, { ...this.base, ...fields });
  }

  messages(): string[] {
    return this.lines.map((line) => line.msg);
  }

  /** Everything logged, serialised as a log backend would (bigint-safe). */
  text(): string {
    return JSON.stringify(this.lines, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  }
}
