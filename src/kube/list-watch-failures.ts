// What an informer tells the operator about its list/watch failures. The session retries every
// failure forever, so the log must neither stay silent nor repeat itself: the first failure of each
// kind (HTTP code or error name) is a warning with the remedy (RBAC verbs for 403, the CRDs for
// 404), repeats are V(2) until the session makes progress again (`reset`). A stalled watch is
// routine (a dead connection, restarted) and only ever logged at V(2).

import type { Logger } from '../observability/logger.js';
import { KubeApiError, isForbidden, isNotFound } from './kube-api-error.js';
import { WatchStalledError } from './watch-stream.js';

export class ListWatchFailureLog {
  readonly #log: Logger;
  /** `plural.group` of the informer's resource, named in every remedy. */
  readonly #resource: string;
  readonly #reported = new Set<string>();

  constructor(log: Logger, resource: string) {
    this.#log = log;
    this.#resource = resource;
  }

  /** The session made progress (a list, or a watch event): the next failure is news again. */
  reset(): void {
    this.#reported.clear();
  }

  report(err: unknown): void {
    const key = err instanceof KubeApiError ? err.code : err instanceof Error ? err.name : 'unknown';
    const first = !this.#reported.has(key);
    this.#reported.add(key);
    if (err instanceof WatchStalledError) {
      this.#log.v(2).info('watch stalled; restarting', { reason: err.message });
      return;
    }
    const fields = { err, resource: this.#resource };
    if (!first) {
      this.#log.v(2).info('list/watch failed again; retrying', fields);
    } else if (isForbidden(err)) {
      this.#log.warn(
        `list/watch of ${this.#resource} is forbidden: grant the verbs "list" and "watch" on ${this.#resource} ` +
          "to the sidecar's service account (ClusterRole external-snapshotter-runner); retrying",
        fields,
      );
    } else if (isNotFound(err)) {
      this.#log.warn(
        `the API server does not serve ${this.#resource}: the CRD is not installed; install the ` +
          'external-snapshotter CRDs (client/config/crd); retrying',
        fields,
      );
    } else {
      this.#log.warn('list/watch failed; retrying with back-off', fields);
    }
  }
}
