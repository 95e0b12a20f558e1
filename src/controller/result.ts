// The outcome of one reconcile, controller-runtime style: reconcilers return a Result and never
// touch the queue; the controller loop maps it to queue operations in one switch. Four outcomes:
//   done          – in sync; forget back-off and poll state.
//   poll          – waiting for the driver (not ready): the readiness-poll schedule, never error
//                   back-off (upstream #1282).
//   requeueAfter  – look again after a fixed time.
//   error         – exponential back-off (--retry-interval-start/-max), whatever the failure:
//                   controllers reconcile forever, because the condition may clear.

export type Result =
  | { readonly kind: 'done' }
  | { readonly kind: 'poll'; readonly stage?: string }
  | { readonly kind: 'requeueAfter'; readonly ms: number }
  | { readonly kind: 'error'; readonly error: unknown };

const DONE: Result = Object.freeze({ kind: 'done' });

export const Result = {
  done: (): Result => DONE,
  /** `stage` names what is awaited (e.g. 'create', 'delete'); a new stage restarts the schedule. */
  poll: (stage?: string): Result => (stage === undefined ? { kind: 'poll' } : { kind: 'poll', stage }),
  requeueAfter: (ms: number): Result => ({ kind: 'requeueAfter', ms }),
  error: (error: unknown): Result => ({ kind: 'error', error }),
} as const;
