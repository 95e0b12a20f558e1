// The test world: etcd, kube-apiserver, the upstream snapshot CRDs, CSI drivers (csi-driver-host-path
// first, the e2e CSI mock second) and the upstream snapshot-controller, all on loopback, all from
// build.sh's cached binaries. No csi-snapshotter of ours runs here: tests start the sidecar under
// test against this world.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApiserver } from './apiserver.js';
import type { Apiserver } from './apiserver.js';
import { installCrds } from './crds.js';
import { startCsiDriver } from './csi-driver.js';
import type { CsiDriver, CsiDriverKind } from './csi-driver.js';
import { startEtcd } from './etcd.js';
import type { Etcd } from './etcd.js';
import { KubeRest } from './kube-rest.js';
import { crdDir as defaultCrdDir, readManifest } from './manifest.js';
import type { Manifest } from './manifest.js';
import { createPki } from './pki.js';
import { startSnapshotController } from './snapshot-controller.js';
import type { SnapshotController } from './snapshot-controller.js';
import type { WorldCsiDriver, WorldJson } from './world-json.js';

export type WorldStep = 'pki' | 'etcd' | 'kube-apiserver' | 'crds' | 'csi-drivers' | 'snapshot-controller';

export interface WorldDriverSpec {
  readonly kind: CsiDriverKind;
  readonly driverName: string;
}

export interface WorldOptions {
  /** Logs, audit log, PKI and kubeconfig go here; a fresh temp dir when absent. Kept after stop(). */
  readonly runDir?: string;
  /** Drivers to start, in world.json order (default DEFAULT_DRIVERS: hostpath, then the mock). */
  readonly drivers?: readonly WorldDriverSpec[];
  readonly manifest?: Manifest;
  readonly crdDir?: string;
  readonly signal?: AbortSignal;
  /** Progress callback with each step's duration. */
  readonly onStep?: (step: WorldStep, ms: number) => void;
}

export interface World {
  readonly runDir: string;
  readonly kubeconfig: string;
  readonly apiserver: string;
  readonly auditLog: string;
  readonly crdDir: string;
  readonly manifest: Manifest;
  readonly csi: readonly WorldCsiDriver[];
  /** Starts one more CSI driver (default kind hostpath) with its own socket, name and state. */
  addCsiDriver(driverName: string, signal?: AbortSignal, kind?: CsiDriverKind): Promise<WorldCsiDriver>;
  /** Stops one driver (a hostpath state dir stays on disk until the run dir is removed). */
  removeCsiDriver(driverName: string): Promise<void>;
  /** Stops one driver (SIGKILL with kill) and starts it again: hostpath keeps its state, the mock forgets. */
  restartCsiDriver(driverName: string, opts?: { readonly kill?: boolean; readonly signal?: AbortSignal }): Promise<WorldCsiDriver>;
  toJson(): WorldJson;
  /** Stops every process the world started, newest first, and removes etcd data and sockets. */
  stop(): Promise<void>;
}

/** The first driver: csi-driver-host-path under its own upstream name. */
export const DEFAULT_DRIVER = 'hostpath.csi.k8s.io';
export const MOCK_DRIVER = 'mock.csi.testworld';
export const DEFAULT_DRIVERS: readonly WorldDriverSpec[] = [
  { kind: 'hostpath', driverName: DEFAULT_DRIVER },
  { kind: 'mock', driverName: MOCK_DRIVER },
];

const SHM = '/dev/shm';

export async function startWorld(opts: WorldOptions = {}): Promise<World> {
  const manifest = opts.manifest ?? readManifest();
  const crdDir = opts.crdDir ?? defaultCrdDir();
  const signal = opts.signal ?? new AbortController().signal;
  const runDir = opts.runDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tw-run-'));
  fs.mkdirSync(runDir, { recursive: true });
  const logDir = path.join(runDir, 'logs');
  // Sockets need short paths whatever runDir is; etcd data lives on tmpfs when there is one.
  const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-'));
  const scratch = fs.mkdtempSync(path.join(fs.existsSync(SHM) ? SHM : os.tmpdir(), 'tw-etcd-'));

  let etcd: Etcd | undefined;
  let api: Apiserver | undefined;
  let controller: SnapshotController | undefined;
  const drivers = new Map<string, CsiDriver>();

  const step = async <T>(name: WorldStep, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await fn();
    opts.onStep?.(name, Math.round(performance.now() - t0));
    return out;
  };

  const stop = async (): Promise<void> => {
    await controller?.process.stop();
    await Promise.all([...drivers.values()].map((d) => d.process.stop()));
    drivers.clear();
    await api?.process.stop(10_000);
    await etcd?.process.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.rmSync(socketDir, { recursive: true, force: true });
  };

  const describe = (d: CsiDriver): WorldCsiDriver => ({
    kind: d.kind,
    driverName: d.driverName,
    endpoint: d.endpoint,
    ...(d.stateDir !== undefined ? { stateDir: d.stateDir } : {}),
  });
  const addDriver = async (spec: WorldDriverSpec, sig: AbortSignal): Promise<WorldCsiDriver> => {
    const d = await startCsiDriver({
      kind: spec.kind,
      binary: spec.kind === 'hostpath' ? manifest.binaries.hostpathplugin : manifest.binaries['csi-mock-driver'],
      driverName: spec.driverName,
      socketDir,
      logDir,
      // In the run dir (kept after stop) so a failed run's snapshots can be looked at.
      ...(spec.kind === 'hostpath' ? { stateDir: path.join(runDir, 'csi-state', spec.driverName) } : {}),
      csiProto: manifest.csiProto,
      signal: sig,
    });
    drivers.set(spec.driverName, d);
    return describe(d);
  };

  let started: { readonly api: Apiserver; readonly etcd: Etcd; readonly controller: SnapshotController };
  try {
    // PKI (openssl, CPU-bound) and etcd are independent: overlap them.
    const [pkiResult, etcdResult] = await Promise.allSettled([
      step('pki', () => createPki(path.join(runDir, 'pki'), signal)),
      step('etcd', () => startEtcd({ binary: manifest.binaries.etcd, dataDir: path.join(scratch, 'data'), logDir, signal })),
    ]);
    if (etcdResult.status === 'fulfilled') etcd = etcdResult.value;
    if (pkiResult.status === 'rejected') throw pkiResult.reason;
    if (etcdResult.status === 'rejected') throw etcdResult.reason;
    const pki = pkiResult.value;
    const etcdUrl = etcdResult.value.url;
    api = await step('kube-apiserver', () =>
      startApiserver({ binary: manifest.binaries['kube-apiserver'], etcdUrl, pki, runDir, logDir, signal }),
    );
    const client = await KubeRest.fromKubeconfig({ kubeconfig: api.kubeconfig, userAgent: 'testworld/launcher' });
    await step('crds', () => installCrds({ client, crdDir, signal }));
    const specs = opts.drivers ?? DEFAULT_DRIVERS;
    // allSettled: a failed driver must not leave a sibling starting after stop() has run.
    const driverResults = await step('csi-drivers', () => Promise.allSettled(specs.map((s) => addDriver(s, signal))));
    const failedDriver = driverResults.find((r) => r.status === 'rejected');
    if (failedDriver) throw failedDriver.reason;
    const kubeconfig = api.kubeconfig;
    controller = await step('snapshot-controller', () =>
      startSnapshotController({ binary: manifest.binaries['snapshot-controller'], kubeconfig, logDir, signal }),
    );
    started = { api, etcd: etcdResult.value, controller };
  } catch (err) {
    await stop();
    throw err;
  }

  // Map order is insertion order, and the specs were started in order: hostpath stays first.
  const csiList = (): readonly WorldCsiDriver[] => [...drivers.values()].map(describe);
  return {
    runDir,
    kubeconfig: started.api.kubeconfig,
    apiserver: started.api.url,
    auditLog: started.api.auditLog,
    crdDir,
    manifest,
    get csi() {
      return csiList();
    },
    addCsiDriver: (name, sig, kind = 'hostpath') => {
      const existing = drivers.get(name);
      if (existing) return Promise.resolve(describe(existing));
      return addDriver({ kind, driverName: name }, sig ?? signal);
    },
    async removeCsiDriver(name) {
      await drivers.get(name)?.process.stop();
      drivers.delete(name);
    },
    async restartCsiDriver(name, r = {}) {
      const d = drivers.get(name);
      if (d === undefined) throw new Error(`no CSI driver ${name} in this world`);
      const next = await d.restart({ ...(r.kill !== undefined ? { kill: r.kill } : {}), signal: r.signal ?? signal });
      drivers.set(name, next);
      return describe(next);
    },
    toJson: () => ({
      kubeconfig: started.api.kubeconfig,
      apiserver: started.api.url,
      kubectl: manifest.binaries.kubectl,
      auditLog: started.api.auditLog,
      upstreamSnapshotter: manifest.binaries['csi-snapshotter-upstream'],
      csi: csiList(),
      csiMockDriver: manifest.binaries['csi-mock-driver'],
      hostpathPlugin: manifest.binaries.hostpathplugin,
      pids: {
        etcd: started.etcd.process.pid,
        'kube-apiserver': started.api.process.pid,
        'snapshot-controller': started.controller.process.pid,
        ...Object.fromEntries([...drivers.values()].map((d) => [d.process.name, d.process.pid])),
      },
      runDir,
      crdDir,
      csiProto: manifest.csiProto,
    }),
    stop,
  };
}
