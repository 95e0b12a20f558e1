// The logging contract every module codes against. klog semantics: severity (info/warn/error)
// is separate from verbosity; `v(n)` gates info lines and returns a no-op sink when n > --v, so
// disabled lines cost nothing. The winston-backed implementation lives in ./winston-logger.ts.

export type LogFields = Readonly<Record<string, unknown>>;

export interface LogSink {
  info(msg: string, fields?: LogFields): void;
}

export interface Logger {
  /** V(0) info: always printed. */
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  /** Put the error under the `err` key of fields. */
  error(msg: string, fields?: LogFields): void;
  /** Info at verbosity `level`: printed only when level <= --v. */
  v(level: number): LogSink;
  enabled(level: number): boolean;
  /** A logger that adds `fields` to every line (e.g. the object name). */
  with(fields: LogFields): Logger;
}

const noopSink: LogSink = { info: () => undefined };

/** A logger that drops everything: for code paths and tests that do not look at logs. */
export const nullLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  v: () => noopSink,
  enabled: () => false,
  with: () => nullLogger,
};
