// The world.json contract between `make world` (the launcher) and the tests that use its world.
import fs from 'node:fs';
import type { CsiDriverKind } from './csi-driver.js';
import { WorldError } from './world-error.js';

export interface WorldCsiDriver {
  /** 'hostpath' (csi-driver-host-path, listed first) or 'mock' (the Kubernetes e2e CSI mock). */
  readonly kind: CsiDriverKind;
  readonly driverName: string;
  /** `unix:///abs/path.sock` */
  readonly endpoint: string;
  /**
   * hostpath only: its --statedir (state.json, volume dirs, `<snapshot id>.snap` files). A driver
   * started again with the same dir (startCsiDriver's `stateDir`, or CsiDriver.restart()) keeps
   * every volume and snapshot.
   */
  readonly stateDir?: string;
}

export interface WorldJson {
  readonly kubeconfig: string;
  /** `https://127.0.0.1:<port>` */
  readonly apiserver: string;
  readonly kubectl: string;
  readonly auditLog: string;
  /** The upstream csi-snapshotter binary, for side-by-side runs (the world does not start it). */
  readonly upstreamSnapshotter: string;
  readonly csi: readonly WorldCsiDriver[];
  /** The CSI mock driver binary, so a test file can start a driver of its own (csi-driver.ts). */
  readonly csiMockDriver: string;
  /** csi-driver-host-path's hostpathplugin binary, for a test file's own hostpath driver. */
  readonly hostpathPlugin: string;
  readonly pids: Readonly<Record<string, number>>;
  readonly runDir: string;
  readonly crdDir: string;
  readonly csiProto: string;
}

export function readWorldJson(file: string): WorldJson {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new WorldError('world-missing', `no world at ${file}: start one with \`make world RUN_DIR=<dir>\``, { cause: err });
  }
  const world = JSON.parse(text) as WorldJson;
  if (typeof world.kubeconfig !== 'string' || !Array.isArray(world.csi)) {
    throw new WorldError('world-missing', `${file} is not a world.json written by test/world/cli.ts`);
  }
  return world;
}
