// Jest hooks for a fault test file (kept out of fault-world.ts, which `make soak` also runs
// outside jest).
import { afterAll, beforeAll } from '@jest/globals';
import { setupFaults, type FaultEnv, type FaultEnvOptions } from './fault-world.js';

/**
 * The test file's own fault world: set up before its tests (handed to `use`, which keeps it in the
 * file's `env`) and closed after them.
 */
export function faultWorldPerFile(suite: string, use: (env: FaultEnv) => void, opts: FaultEnvOptions = {}): void {
  let env: FaultEnv | undefined;
  beforeAll(async () => {
    env = await setupFaults(suite, opts);
    use(env);
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });
}
