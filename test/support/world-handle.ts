// How a test finds the running test world: env TESTWORLD names the world.json that
// `make world RUN_DIR=<dir>` writes. Missing or stale is a loud failure, never a skip.
import { readWorldJson } from '../world/world-json.js';
import type { WorldJson } from '../world/world-json.js';
import { WorldError } from '../world/world-error.js';

export type { WorldJson, WorldCsiDriver } from '../world/world-json.js';

export function loadWorld(env: NodeJS.ProcessEnv = process.env): WorldJson {
  const file = env['TESTWORLD'];
  if (!file) {
    throw new WorldError(
      'world-missing',
      'TESTWORLD is not set: start a world with `make world RUN_DIR=<dir>` and set TESTWORLD=<dir>/world.json',
    );
  }
  return readWorldJson(file);
}
