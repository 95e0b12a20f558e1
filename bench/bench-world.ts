// A fresh, minimal world per bench run: etcd, kube-apiserver (with the audit log), the upstream
// snapshot CRDs and one csi-driver-host-path driver (the driver upstream's CI uses; its state dir
// is in the run dir). Unlike test/world/world.ts it starts NO snapshot-controller:
// the bench plays the controller's part itself (it creates contents, finalizers and deletions), and
// a controller would react to contents whose VolumeSnapshot does not exist.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApiserver } from '../test/world/apiserver.js';
import type { Apiserver } from '../test/world/apiserver.js';
import { installCrds } from '../test/world/crds.js';
import { startCsiDriver } from '../test/world/csi-driver.js';
import type { CsiDriver } from '../test/world/csi-driver.js';
import { startEtcd } from '../test/world/etcd.js';
import type { Etcd } from '../test/world/etcd.js';
import { KubeRest } from '../test/world/kube-rest.js';
import { crdDir as defaultCrdDir } from '../test/world/manifest.js';
import type { Manifest } from '../test/world/manifest.js';
import { createPki } from '../test/world/pki.js';

export const BENCH_DRIVER = 'hostpath.csi.bench';
/** Recorded with every workload result: which driver the figures were measured against. */
export const BENCH_DRIVER_LABEL = 'csi-driver-host-path v1.18.0 (hostpathplugin)';

export interface BenchWorld {
  readonly runDir: string;
  readonly logDir: string;
  readonly kubeconfig: string;
  readonly auditLog: string;
  readonly driverName: string;
  /** `unix:///…sock` */
  readonly csiEndpoint: string;
  /** The driver's log: one `GRPC call:` line per CSI call it served (--v=4). */
  readonly driverLog: string;
  readonly csiProto: string;
  readonly apiserverPid: number;
  stop(): Promise<void>;
}

export interface StartBenchWorldOptions {
  readonly manifest: Manifest;
  readonly runDir: string;
  readonly signal: AbortSignal;
}

const SHM = '/dev/shm';

export async function startBenchWorld(opts: StartBenchWorldOptions): Promise<BenchWorld> {
  const { manifest, runDir, signal } = opts;
  fs.mkdirSync(runDir, { recursive: true });
  const logDir = path.join(runDir, 'logs');
  const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-'));
  const scratch = fs.mkdtempSync(path.join(fs.existsSync(SHM) ? SHM : os.tmpdir(), 'bw-etcd-'));
  let etcd: Etcd | undefined;
  let api: Apiserver | undefined;
  let driver: CsiDriver | undefined;

  const stop = async (): Promise<void> => {
    await driver?.process.stop();
    await api?.process.stop(10_000);
    await etcd?.process.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.rmSync(socketDir, { recursive: true, force: true });
  };

  try {
    // PKI (openssl, CPU-bound) and etcd are independent; settle both so a failure still stops etcd.
    const [pkiResult, etcdResult] = await Promise.allSettled([
      createPki(path.join(runDir, 'pki'), signal),
      startEtcd({ binary: manifest.binaries.etcd, dataDir: path.join(scratch, 'data'), logDir, signal }),
    ]);
    if (etcdResult.status === 'fulfilled') etcd = etcdResult.value;
    if (pkiResult.status === 'rejected') throw pkiResult.reason;
    if (etcdResult.status === 'rejected') throw etcdResult.reason;
    api = await startApiserver({
      binary: manifest.binaries['kube-apiserver'],
      etcdUrl: etcdResult.value.url,
      pki: pkiResult.value,
      runDir,
      logDir,
      signal,
    });
    const client = await KubeRest.fromKubeconfig({ kubeconfig: api.kubeconfig, userAgent: 'csi-bench/launcher' });
    await installCrds({ client, crdDir: defaultCrdDir(), signal });
    driver = await startCsiDriver({
      kind: 'hostpath',
      binary: manifest.binaries.hostpathplugin,
      stateDir: path.join(runDir, 'hostpath-state'),
      driverName: BENCH_DRIVER,
      socketDir,
      logDir,
      csiProto: manifest.csiProto,
      signal,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    runDir,
    logDir,
    kubeconfig: api.kubeconfig,
    auditLog: api.auditLog,
    driverName: driver.driverName,
    csiEndpoint: driver.endpoint,
    driverLog: driver.process.logPath,
    csiProto: manifest.csiProto,
    apiserverPid: api.process.pid,
    stop,
  };
}
