// One CSI driver process on its own unix socket with its own driver name, so test files sharing a
// world never share driver contents. Two kinds, both built by build.sh:
//   hostpath — csi-driver-host-path v1.18.0's hostpathplugin, the driver upstream's CI runs the
//              snapshotter against. Volumes are directories and snapshots are tar files in its
//              state dir; <stateDir>/state.json survives a restart (restart() keeps the dir).
//   mock     — Kubernetes' e2e CSI mock. State in memory: a restart forgets everything. Only for
//              tests that need something hostpath cannot do (they say why in their header).
import fs from 'node:fs';
import path from 'node:path';
import { CsiAdmin } from './csi-admin.js';
import { ownsPid, readyOrStopped, startProcess, waitUntil } from './proc.js';
import type { ManagedProcess } from './proc.js';
import { WorldError } from './world-error.js';

export type CsiDriverKind = 'hostpath' | 'mock';

export interface CsiDriver {
  readonly kind: CsiDriverKind;
  readonly driverName: string;
  /** `unix:///abs/path.sock` */
  readonly endpoint: string;
  /** hostpath only: volumes (dirs), snapshots (`<id>.snap` tar files) and state.json. */
  readonly stateDir?: string;
  readonly process: ManagedProcess;
  /**
   * Stops this process (SIGTERM; SIGKILL with `{ kill: true }`) and starts the same driver again on
   * the same socket (and, for hostpath, the same state dir). The returned driver replaces this one.
   */
  restart(opts?: { readonly kill?: boolean; readonly signal?: AbortSignal }): Promise<CsiDriver>;
}

export interface StartCsiDriverOptions {
  /** Default 'mock' when absent, for callers written before hostpath; new callers say which. */
  readonly kind?: CsiDriverKind;
  readonly binary: string;
  readonly driverName: string;
  /** A short directory: the socket path must stay under 100 bytes. */
  readonly socketDir: string;
  /** The socket's file name in socketDir (default `<driverName>.sock`), e.g. to put a proxy on that one. */
  readonly socketName?: string;
  readonly logDir: string;
  readonly csiProto: string;
  /** hostpath: its --statedir (default `<logDir>/<driverName>-state`). Reuse it to keep state. */
  readonly stateDir?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

const DRIVER_NAME = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;

function driverArgs(kind: CsiDriverKind, endpoint: string, driverName: string, stateDir: string | undefined): string[] {
  if (kind === 'mock') return [`--endpoint=${endpoint}`, `--drivername=${driverName}`, '--v=4'];
  if (stateDir === undefined) throw new WorldError('start-failed', `hostpath driver ${driverName} needs a state dir`);
  // Controller side only: no node publish happens here, so no mounts and no root are needed.
  return [`--endpoint=${endpoint}`, `--drivername=${driverName}`, '--nodeid=node-1', `--statedir=${stateDir}`, '--v=4'];
}

export async function startCsiDriver(opts: StartCsiDriverOptions): Promise<CsiDriver> {
  const kind = opts.kind ?? 'mock';
  if (!DRIVER_NAME.test(opts.driverName)) {
    throw new WorldError('start-failed', `CSI driver name '${opts.driverName}' is not a DNS subdomain of at most 63 characters`);
  }
  const socket = path.join(opts.socketDir, opts.socketName ?? `${opts.driverName}.sock`);
  if (Buffer.byteLength(socket) >= 100) {
    throw new WorldError('start-failed', `socket path ${socket} is ${Buffer.byteLength(socket)} bytes; unix sockets need < 100`);
  }
  fs.mkdirSync(opts.socketDir, { recursive: true });
  const stateDir = kind === 'hostpath' ? path.resolve(opts.stateDir ?? path.join(opts.logDir, `${opts.driverName}-state`)) : undefined;
  if (stateDir !== undefined) fs.mkdirSync(stateDir, { recursive: true });
  const endpoint = `unix://${socket}`;
  const proc = startProcess({
    name: `csi-${opts.driverName}`,
    binary: opts.binary,
    logDir: opts.logDir,
    args: driverArgs(kind, endpoint, opts.driverName, stateDir),
  });
  const admin = CsiAdmin.open({ endpoint, csiProto: opts.csiProto });
  try {
    await readyOrStopped(proc, async (signal) => fs.existsSync(socket) && (await admin.getPluginInfo(signal)).name === opts.driverName, {
      what: `CSI ${kind} driver ${opts.driverName}`,
      timeoutMs: opts.timeoutMs ?? 15_000,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } finally {
    admin.close();
  }
  const driver: CsiDriver = {
    kind,
    driverName: opts.driverName,
    endpoint,
    ...(stateDir !== undefined ? { stateDir } : {}),
    process: proc,
    async restart(r = {}) {
      if (r.kill === true && proc.isRunning()) {
        // A crash, not a shutdown: the driver gets no chance to finish anything.
        process.kill(proc.pid, 'SIGKILL');
        await proc.exited;
      }
      await proc.stop();
      return startCsiDriver({
        kind,
        binary: opts.binary,
        driverName: opts.driverName,
        socketDir: opts.socketDir,
        ...(opts.socketName !== undefined ? { socketName: opts.socketName } : {}),
        logDir: opts.logDir,
        csiProto: opts.csiProto,
        ...(stateDir !== undefined ? { stateDir } : {}),
        ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
        ...(r.signal ? { signal: r.signal } : {}),
      });
    },
  };
  return driver;
}

/** The snapshot files hostpath keeps under its state dir (`<snapshot id>.snap`), by snapshot id. */
export function hostpathSnapshotFiles(stateDir: string): readonly string[] {
  return fs
    .readdirSync(stateDir)
    .filter((n) => n.endsWith('.snap'))
    .map((n) => n.slice(0, -'.snap'.length))
    .sort();
}

/**
 * The gRPC methods a hostpath driver served, in order, from its log (it logs `GRPC call: <method>`
 * at --v=3 and up; Probe only at 5). `sinceByte` skips what an earlier look already saw.
 */
export function hostpathCalls(driver: Pick<CsiDriver, 'process'>, sinceByte = 0): readonly string[] {
  const text = fs.readFileSync(driver.process.logPath).subarray(sinceByte).toString('utf8');
  return [...text.matchAll(/GRPC call: \/csi\.v1\.(\w+)\/(\w+)/g)].map((m) => `${m[1]}/${m[2]}`);
}

/**
 * Restarts a driver the world launcher started (a world.json csi[] entry) from a test process: stops
 * the launcher's process by its pid in world.json (SIGKILL with kill: a crash; only after checking
 * the pid still runs that binary) and starts the same driver on the same socket and, for hostpath,
 * the same state dir. The new process belongs to the caller (stop it, or restart() it again);
 * world.json keeps the old pid.
 */
export async function restartWorldCsiDriver(
  world: {
    readonly csi: readonly { readonly kind: CsiDriverKind; readonly driverName: string; readonly endpoint: string; readonly stateDir?: string }[];
    readonly pids: Readonly<Record<string, number>>;
    readonly hostpathPlugin: string;
    readonly csiMockDriver: string;
    readonly csiProto: string;
    readonly runDir: string;
  },
  driverName: string,
  opts: { readonly kill?: boolean; readonly logDir?: string; readonly signal?: AbortSignal } = {},
): Promise<CsiDriver> {
  const entry = world.csi.find((d) => d.driverName === driverName);
  if (entry === undefined) throw new WorldError('start-failed', `world.json lists no CSI driver ${driverName}`);
  const binary = entry.kind === 'hostpath' ? world.hostpathPlugin : world.csiMockDriver;
  const pid = world.pids[`csi-${driverName}`];
  if (pid !== undefined && ownsPid(pid, binary)) {
    process.kill(pid, opts.kill === true ? 'SIGKILL' : 'SIGTERM');
    await waitUntil(async () => !ownsPid(pid, binary), { what: `CSI driver ${driverName} (pid ${pid}) to exit`, timeoutMs: 10_000 });
  }
  return startCsiDriver({
    kind: entry.kind,
    binary,
    driverName,
    socketDir: path.dirname(entry.endpoint.replace(/^unix:\/\//, '')),
    socketName: path.basename(entry.endpoint),
    logDir: opts.logDir ?? path.join(world.runDir, 'logs'),
    csiProto: world.csiProto,
    ...(entry.stateDir !== undefined ? { stateDir: entry.stateDir } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}
