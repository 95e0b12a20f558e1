// A RequestGate that never waits, for tests that exercise the kube layer without a QPS bucket
// (the sidecar always builds its gate from a TokenBucket: src/app/api-client-config.ts).

import type { RequestGate } from '../../src/kube/request-gate.js';

export const openGate: RequestGate = {
  acquire(signal) {
    return signal.aborted ? Promise.reject(signal.reason as Error) : Promise.resolve();
  },
};
