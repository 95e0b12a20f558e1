// One CSI mock driver process (Kubernetes' e2e mock, built by build.sh) on its own unix socket with
// its own driver name, so test files sharing a world never share driver contents. Its state lives
// in memory: a restart forgets every volume and snapshot.
import fs from 'node:fs';
import path from 'node:path';
import { CsiAdmin } from './csi-admin.js';
import { startProcess, waitUntil } from './proc.js';
import type { ManagedProcess } from './proc.js';
import { WorldError } from './world-error.js';

export interface CsiDriver {
  readonly driverName: string;
  /** `unix:///abs/path.sock` */
  readonly endpoint: string;
  readonly process: ManagedProcess;
}

export interface StartCsiDriverOptions {
  readonly binary: string;
  readonly driverName: string;
  /** A short directory: the socket path must stay under 100 bytes. */
  readonly socketDir: string;
  readonly logDir: string;
  readonly csiProto: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

const DRIVER_NAME = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;

export async function startCsiDriver(opts: StartCsiDriverOptions): Promise<CsiDriver> {
  if (!DRIVER_NAME.test(opts.driverName)) {
    throw new WorldError('start-failed', `CSI driver name '${opts.driverName}' is not a DNS subdomain of at most 63 characters`);
  }
  const socket = path.join(opts.socketDir, `${opts.driverName}.sock`);
  if (Buffer.byteLength(socket) >= 100) {
    throw new WorldError('start-failed', `socket path ${socket} is ${Buffer.byteLength(socket)} bytes; unix sockets need < 100`);
  }
  fs.mkdirSync(opts.socketDir, { recursive: true });
  const endpoint = `unix://${socket}`;
  const proc = startProcess({
    name: `csi-${opts.driverName}`,
    binary: opts.binary,
    logDir: opts.logDir,
    args: [`--endpoint=${endpoint}`, `--drivername=${opts.driverName}`, '--v=4'],
  });
  const admin = CsiAdmin.open({ endpoint, csiProto: opts.csiProto });
  try {
    await waitUntil(
      async (signal) => fs.existsSync(socket) && (await admin.getPluginInfo(signal)).name === opts.driverName,
      {
        what: `CSI driver ${opts.driverName}`,
        timeoutMs: opts.timeoutMs ?? 15_000,
        process: proc,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
    );
  } catch (err) {
    await proc.stop();
    throw err;
  } finally {
    admin.close();
  }
  return { driverName: opts.driverName, endpoint, process: proc };
}
