// The outcome of one reconcile, controller-runtime style: reconcilers return a Result and never
// touch the queue; the controller loop maps it to queue operations in one switch. Four outcomes:
//   done          – in sync; forget back-off and poll state.
//   poll          – waiting for the driver (not ready): the readiness-poll schedule, never error
//                   back-off (upstream #1282).
//   requeueAfter  – look again after a fixed time.
//   error         – exponential back-off; a TerminalError (needs human action) goes to a slow,
//                   fixed retry tier instead: controllers reconcile forever, because the condition
//                   may clear, but must not retry it hot.

export type Result =
  | { readonly kind: 'done' }
  | { readonly kind: 'poll'; readonly stage?: string }
  | { readonly kind: 'requeueAfter'; readonly ms: number }
  | { readonly kind: 'error'; readonly error: unknown };

export type ResultKind = Result['kind'];

const DONE: Result = Object.freeze({ kind: 'done' });

export const Result = {
  done: (): Result => DONE,
  /** `stage` names what is awaited (e.g. 'create', 'delete'); a new stage restarts the schedule. */
  poll: (stage?: string): Result => (stage === undefined ? { kind: 'poll' } : { kind: 'poll', stage }),
  requeueAfter: (ms: number): Result => ({ kind: 'requeueAfter', ms }),
  error: (error: unknown): Result => ({ kind: 'error', error }),
} as const;

/** An error that retrying soon cannot fix (bad parameters, permissions, unimplemented). */
export class TerminalError extends Error {
  readonly code = 'TERMINAL';

  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/** True when err or any error in its `cause` chain is a TerminalError. */
export function isTerminal(err: unknown): boolean {
  let cur: unknown = err;
  // Bounded walk: a cyclic cause chain must not hang a worker.
  for (let depth = 0; depth < 16 && cur instanceof Error; depth++) {
    if (cur instanceof TerminalError) return true;
    cur = cur.cause;
  }
  return false;
}
