// A private hostpathplugin (kubernetes-csi/csi-driver-host-path, the real driver upstream's CI uses)
// for one fault-suite file: its own socket, driver name and state dir, so a case may restart it or
// put a fault proxy in front of it without touching the shared world. Its state (state.json) survives
// a restart. The binary comes from the build manifest (build.sh) or $HOSTPATHPLUGIN; when neither
// has it the suite fails loudly with the reason.
import fs from 'node:fs';
import path from 'node:path';
import { CsiAdmin } from '../../world/csi-admin.js';
import { startProcess, waitUntil, type ManagedProcess } from '../../world/proc.js';
import { readManifest, testworldHome } from '../../world/manifest.js';

export interface PrivateHostpath {
  readonly driverName: string;
  readonly endpoint: string;
  readonly socketPath: string;
  readonly stateDir: string;
  process: ManagedProcess;
  /** Stops (SIGTERM) and starts it again on the same socket and state dir. */
  restart(opts?: { readonly downMs?: number }): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export function hostpathBinary(): string {
  const fromEnv = process.env['HOSTPATHPLUGIN'];
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`HOSTPATHPLUGIN=${fromEnv} does not exist`);
    return fromEnv;
  }
  const manifest = readManifest();
  const bins = manifest.binaries as Readonly<Record<string, string>>;
  const key = Object.keys(bins).find((k) => k.includes('hostpath'));
  if (key && bins[key]) return bins[key];
  throw new Error(
    `no hostpathplugin binary: ${path.join(testworldHome(), 'manifest.json')} lists none (keys: ${Object.keys(bins).join(', ')}) ` +
      'and HOSTPATHPLUGIN is not set; run test/world/build.sh (the world with the hostpath driver) or build it per ../shared/third-party/README.md',
  );
}

export async function startPrivateHostpath(opts: { readonly driverName: string; readonly dir: string; readonly csiProto: string }): Promise<PrivateHostpath> {
  const binary = hostpathBinary();
  const socketPath = path.join(opts.dir, 'hp.sock');
  const stateDir = path.join(opts.dir, 'hp-state');
  fs.mkdirSync(stateDir, { recursive: true });
  const endpoint = `unix://${socketPath}`;
  let generation = 0;
  const launch = async (): Promise<ManagedProcess> => {
    fs.rmSync(socketPath, { force: true });
    const proc = startProcess({
      name: `hostpath-${opts.driverName}-${++generation}`,
      binary,
      logDir: opts.dir,
      args: [`--endpoint=${endpoint}`, `--drivername=${opts.driverName}`, '--nodeid=fault-node', `--statedir=${stateDir}`, '--v=4'],
    });
    const admin = CsiAdmin.open({ endpoint, csiProto: opts.csiProto });
    try {
      await waitUntil(async (signal) => fs.existsSync(socketPath) && (await admin.getPluginInfo(signal)).name === opts.driverName, {
        what: `hostpathplugin ${opts.driverName}`,
        timeoutMs: 20_000,
        process: proc,
      });
    } catch (err) {
      await proc.stop();
      throw err;
    } finally {
      admin.close();
    }
    return proc;
  };
  const hp: PrivateHostpath = {
    driverName: opts.driverName,
    endpoint,
    socketPath,
    stateDir,
    process: await launch(),
    async stop() {
      await hp.process.stop();
    },
    async start() {
      hp.process = await launch();
    },
    async restart(o = {}) {
      await hp.process.stop();
      if (o.downMs) await new Promise((r) => setTimeout(r, o.downMs));
      hp.process = await launch();
    },
  };
  return hp;
}
