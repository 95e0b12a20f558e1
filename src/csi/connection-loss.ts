// What the sidecar does when the driver connection drops: exactly upstream's
// ExitOnConnectionLoss (upstream-sidecar.md §2.1) — write the reason to the Kubernetes
// termination-message file (so `kubectl describe pod` shows it), log it, exit 1.

import { writeFileSync } from 'node:fs';
import type { Logger } from '../observability/logger.js';

export const CONNECTION_LOST_MESSAGE = 'Lost connection to CSI driver, exiting';
export const DEFAULT_TERMINATION_LOG_PATH = '/dev/termination-log';

export interface ExitOnConnectionLossDeps {
  readonly log: Logger;
  /** Injectable for tests; defaults to /dev/termination-log. */
  readonly terminationLogPath?: string;
  /** Defaults to process.exit; run.ts passes a function that ends runSidecar with the code. */
  readonly exit?: (code: number) => void;
}

export function exitOnConnectionLoss(deps: ExitOnConnectionLossDeps): () => void {
  const path = deps.terminationLogPath ?? DEFAULT_TERMINATION_LOG_PATH;
  const exit = deps.exit ?? ((code: number): void => process.exit(code));
  return () => {
    try {
      // Synchronous on purpose: the process may end right after this returns.
      writeFileSync(path, CONNECTION_LOST_MESSAGE);
    } catch (err) {
      // Outside Kubernetes the file may not exist; the exit still matters more.
      deps.log.error('Failed to write termination message', { path, err });
    }
    deps.log.error(CONNECTION_LOST_MESSAGE);
    exit(1);
  };
}
