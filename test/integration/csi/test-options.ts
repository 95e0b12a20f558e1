// A complete Options value for tests that run the handshake or the sidecar against a scripted
// driver: upstream defaults, a short --timeout, no feature gates, a harmless termination log path.

import type { Options } from '../../../src/cli/options.js';
import { UPSTREAM_DEFAULT_OPTIONS } from '../../support/upstream-default-options.js';

export function testOptions(overrides: Partial<Options> = {}): Options {
  return {
    ...UPSTREAM_DEFAULT_OPTIONS,
    timeoutMs: 5000,
    featureGates: new Map(),
    terminationLogPath: '/nonexistent/termination-log',
    ...overrides,
  };
}
