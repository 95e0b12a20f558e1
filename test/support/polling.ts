// Waiting in tests, in one place: poll a probe until it gives an answer or a deadline passes, then
// fail with an error naming what was awaited (and the probe's last error). A poll is never an
// assertion on speed: its deadline only turns a hang into a message, so it is generous, and the
// test's own expectations come after it. Unit tests keep theirs under jest's 5 s per-test timeout.
import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  /** When to give up (ms from the first probe). */
  readonly timeoutMs: number;
  /** Pause between probes (ms). */
  readonly intervalMs: number;
  /** Stops the wait early: the wait then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** A probe error this returns false for ends the wait at once; the others count as "not yet". */
  readonly retryError?: (err: unknown) => boolean;
  /** Runs before every probe; what it throws ends the wait (e.g. "the process exited"). */
  readonly precheck?: () => Promise<void> | void;
  /** The error to fail with at the deadline (default: "timed out waiting for <what>", last error appended). */
  readonly timeoutError?: (lastError: unknown) => Error;
}

/**
 * Calls `probe` until it returns something other than undefined, and returns that. The probe's
 * signal aborts at the deadline (or with `signal`), so a slow request does not outlive the wait.
 */
export async function poll<T>(what: string, probe: (signal: AbortSignal) => Promise<T | undefined> | T | undefined, opts: PollOptions): Promise<T> {
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  let lastError: unknown;
  while (!signal.aborted) {
    await opts.precheck?.();
    try {
      const value = await probe(signal);
      if (value !== undefined) return value;
    } catch (err) {
      if (opts.retryError && !opts.retryError(err)) throw err;
      lastError = err;
    }
    try {
      await sleep(opts.intervalMs, undefined, { signal });
    } catch {
      break;
    }
  }
  opts.signal?.throwIfAborted();
  if (opts.timeoutError) throw opts.timeoutError(lastError);
  throw new Error(`timed out waiting for ${what}${lastError === undefined ? '' : ` (last error: ${String(lastError)})`}`);
}

/**
 * Waits until a synchronous `condition` holds (state the test's fakes or callbacks update).
 * Default deadline 4 s: inside jest's 5 s unit-test timeout, so the message names the condition.
 */
export async function waitFor(condition: () => boolean, what: string, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<void> {
  await poll(what, () => (condition() ? true : undefined), {
    timeoutMs: opts.timeoutMs ?? 4000,
    intervalMs: opts.intervalMs ?? 5,
    // A condition that throws is a broken test, not "not yet".
    retryError: () => false,
  });
}

/**
 * Polls `fn` (a request to a real component) until it returns a value other than undefined; its
 * errors count as "not yet". `onTimeout` adds the state worth seeing to the failure (a log tail).
 */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  opts: { timeoutMs?: number; intervalMs?: number; onTimeout?: () => string } = {},
): Promise<T> {
  return poll(what, fn, {
    timeoutMs: opts.timeoutMs ?? 60_000,
    intervalMs: opts.intervalMs ?? 200,
    timeoutError: (lastError) =>
      new Error(
        `timed out waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}` +
          (opts.onTimeout ? `\n${opts.onTimeout()}` : ''),
      ),
  });
}
