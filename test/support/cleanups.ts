// Undoing what a test started (drivers, connections, processes, temp dirs), after each test and
// whether it passed or not: the test pushes a cleanup as soon as it has something to undo. They run
// last pushed first (a connection closes before the driver it talks to stops); every one runs even
// when another fails, and the hook then fails with all their errors.
import { afterEach } from '@jest/globals';

export type Cleanup = () => Promise<unknown> | unknown;

/** Registers the afterEach hook (`timeoutMs`: its jest timeout) and returns the list it empties. */
export function cleanupsAfterEach(timeoutMs?: number): Cleanup[] {
  const cleanups: Cleanup[] = [];
  afterEach(async () => {
    const errors: unknown[] = [];
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'cleanup failed');
  }, timeoutMs);
  return cleanups;
}
