// A private hostpathplugin (kubernetes-csi/csi-driver-host-path, the real driver upstream's CI uses)
// for one fault-suite file: its own socket, driver name and state dir, so a case may stop, restart
// or put a fault proxy in front of it without touching the shared world. Started through the test
// world's csi-driver.ts (kind hostpath); its state (state.json) survives a restart. The binary comes
// from $HOSTPATHPLUGIN, world.json or the build manifest (build.sh); when neither has it the suite fails loudly.
import fs from 'node:fs';
import path from 'node:path';
import { startCsiDriver, type CsiDriver } from '../../world/csi-driver.js';
import { readManifest, testworldHome } from '../../world/manifest.js';

export interface PrivateHostpath {
  readonly driverName: string;
  readonly endpoint: string;
  readonly stateDir: string;
  driver: CsiDriver;
  /** Stops (SIGTERM) and starts it again on the same socket and state dir. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Starts it again after stop() (same socket and state dir). */
  start(): Promise<void>;
}

/** $HOSTPATHPLUGIN, else the world's (world.json `hostpathPlugin`), else the build manifest's. */
export function hostpathBinary(fromWorld?: string): string {
  const fromEnv = process.env['HOSTPATHPLUGIN'];
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`HOSTPATHPLUGIN=${fromEnv} does not exist`);
    return fromEnv;
  }
  if (fromWorld && fs.existsSync(fromWorld)) return fromWorld;
  const bins = readManifest().binaries as Readonly<Record<string, string>>;
  const bin = bins['hostpathplugin'];
  if (bin) return bin;
  throw new Error(
    `no hostpathplugin binary: ${path.join(testworldHome(), 'manifest.json')} lists none (keys: ${Object.keys(bins).join(', ')}) ` +
      'and HOSTPATHPLUGIN is not set; run test/world/build.sh',
  );
}

export async function startPrivateHostpath(opts: { readonly driverName: string; readonly dir: string; readonly csiProto: string; readonly binary?: string }): Promise<PrivateHostpath> {
  const stateDir = path.join(opts.dir, 'hp-state');
  const launch = (): Promise<CsiDriver> =>
    startCsiDriver({ kind: 'hostpath', binary: hostpathBinary(opts.binary), driverName: opts.driverName, socketDir: opts.dir, logDir: opts.dir, csiProto: opts.csiProto, stateDir, timeoutMs: 20_000 });
  const driver = await launch();
  const hp: PrivateHostpath = {
    driverName: opts.driverName,
    endpoint: driver.endpoint,
    stateDir,
    driver,
    async stop() {
      await hp.driver.process.stop();
    },
    async start() {
      hp.driver = await launch();
    },
    async restart() {
      hp.driver = await hp.driver.restart();
    },
  };
  return hp;
}
