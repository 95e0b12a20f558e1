// The one shape every error class of the sidecar has, so code that classifies an error reads one
// field instead of a chain of instanceof checks or message text: a stable machine `code`, a human
// `remedy` (what the user should change; '' when there is nothing to change, e.g. a transient
// failure or a bug), and the standard ES2022 `cause`.
//
// The rendered message stays each subclass's own text: tests, docs and upstream-compatible output
// match it. A subclass whose message already says a remedy composes the message from its parts
// and passes the remedy part here, so the field and the text never disagree.

export interface CodedErrorOptions {
  /** What the user should do; '' (the default) when there is nothing to do. */
  readonly remedy?: string;
  /**
   * As for Error: the property is set when the key is present, even with the value undefined;
   * leave the key out for an error without a cause.
   */
  readonly cause?: unknown;
}

export abstract class CodedError<C extends string = string> extends Error {
  /** Each subclass names itself (logs print it; Error's default 'Error' would hide the class). */
  abstract override readonly name: string;
  /** Stable across releases; callers classify on it, never on the message. */
  readonly code: C;
  readonly remedy: string;

  constructor(code: C, message: string, options: CodedErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    this.remedy = options.remedy ?? '';
  }
}
