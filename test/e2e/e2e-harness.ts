// Shared set-up of the single-snapshot e2e suites: the running test world (TESTWORLD), a CSI
// driver of this suite's own (csi-driver-host-path, with its own driver name and state dir, so
// suites never share contents), OUR sidecar as a real process, and clients to look at the API and
// the driver's state (its own ListSnapshots and its snapshot files).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CsiAdmin } from '../world/csi-admin.js';
import { hostpathSnapshotFiles, startCsiDriver, type CsiDriver } from '../world/csi-driver.js';
import { KubeRest, KubeRequestError } from '../world/kube-rest.js';
import { loadWorld, type WorldJson } from '../support/world-handle.js';
import { eventually } from '../support/polling.js';
import { startSidecar, type SidecarProcess } from '../support/sidecar-process.js';

export const SNAP = '/apis/snapshot.storage.k8s.io/v1';

/** Flags for fast tests; everything else at upstream defaults. */
export const FAST_FLAGS = ['--v=4', '--retry-interval-start=200ms', '--retry-interval-max=2s', '--poll-interval-start=200ms', '--poll-interval-max=2s', '--timeout=10s'];

export interface E2E {
  readonly world: WorldJson;
  readonly kube: KubeRest;
  readonly driverName: string;
  readonly dir: string;
  csi: CsiAdmin;
  driver: CsiDriver;
  sidecar: SidecarProcess;
  startSidecar(args?: readonly string[]): SidecarProcess;
  /**
   * Stops the driver (SIGKILL with kill: a crash) and starts it again on the same socket and state
   * dir: every volume and snapshot it had is still there.
   */
  restartDriver(opts?: { readonly kill?: boolean }): Promise<CsiDriver>;
  /** Backend snapshot ids, from the driver's own ListSnapshots. */
  backendSnapshots(): Promise<readonly string[]>;
  /** Snapshot ids that have a `<id>.snap` file in the driver's state dir. */
  backendSnapshotFiles(): readonly string[];
  close(): Promise<void>;
}

const signal = (): AbortSignal => AbortSignal.timeout(30_000);

export async function setupE2E(suite: string, sidecarArgs: readonly string[] = FAST_FLAGS): Promise<E2E> {
  const world = loadWorld();
  const kube = await KubeRest.fromKubeconfig({ kubeconfig: world.kubeconfig, userAgent: `e2e-${suite}` });
  const driverName = `${suite}.e2e.csi.test`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `e2e-${suite.slice(0, 8)}-`));
  if (typeof world.hostpathPlugin !== 'string') {
    throw new Error(`${world.runDir}/world.json has no hostpathPlugin: restart the world with this checkout's test/world (make world)`);
  }
  let driver = await startCsiDriver({
    kind: 'hostpath',
    binary: world.hostpathPlugin,
    driverName,
    socketDir: dir,
    logDir: dir,
    stateDir: path.join(dir, 'hostpath-state'),
    csiProto: world.csiProto,
  });
  let sidecarSeq = 0;
  const launch = (args: readonly string[] = sidecarArgs): SidecarProcess =>
    startSidecar({
      kubeconfig: world.kubeconfig,
      csiAddress: driver.endpoint,
      dir,
      name: `sidecar-${++sidecarSeq}`,
      args: [...args, `--termination-log-path=${path.join(dir, `termination-${sidecarSeq}.log`)}`],
    });
  const e2e: E2E = {
    world,
    kube,
    driverName,
    dir,
    csi: CsiAdmin.open({ endpoint: driver.endpoint, csiProto: world.csiProto }),
    driver,
    sidecar: launch(),
    startSidecar: launch,
    async restartDriver(opts = {}) {
      driver = await e2e.driver.restart(opts);
      e2e.driver = driver;
      e2e.csi.close();
      e2e.csi = CsiAdmin.open({ endpoint: driver.endpoint, csiProto: world.csiProto });
      return driver;
    },
    async backendSnapshots() {
      return (await e2e.csi.listSnapshots({}, signal())).map((s) => s.snapshot_id);
    },
    backendSnapshotFiles() {
      return hostpathSnapshotFiles(path.join(dir, 'hostpath-state'));
    },
    async close() {
      await e2e.sidecar.stop(5_000);
      e2e.csi.close();
      await e2e.driver.process.stop();
    },
  };
  return e2e;
}

export interface ContentStatus {
  readonly snapshotHandle?: string;
  readonly readyToUse?: boolean;
  readonly restoreSize?: number;
  readonly creationTime?: number;
  readonly error?: { readonly message?: string; readonly time?: string };
}

export interface Content {
  readonly metadata: { readonly name: string; readonly annotations?: Record<string, string>; readonly finalizers?: string[]; readonly uid: string };
  readonly spec: Record<string, unknown>;
  readonly status?: ContentStatus;
}

export async function getContentOrUndefined(kube: KubeRest, name: string): Promise<Content | undefined> {
  try {
    return (await kube.get(`${SNAP}/volumesnapshotcontents/${name}`, signal())) as Content;
  } catch (err) {
    if (err instanceof KubeRequestError && err.status === 404) return undefined;
    throw err;
  }
}

export async function waitForReadyContent(e2e: E2E, name: string, timeoutMs = 60_000): Promise<Content> {
  return eventually(
    `VolumeSnapshotContent ${name} readyToUse`,
    async () => {
      const c = await getContentOrUndefined(e2e.kube, name);
      return c?.status?.readyToUse === true ? c : undefined;
    },
    { timeoutMs, onTimeout: () => `sidecar log tail:\n${e2e.sidecar.log().split('\n').slice(-25).join('\n')}` },
  );
}

export async function waitForGone(e2e: E2E, apiPath: string, timeoutMs = 60_000): Promise<void> {
  await eventually(
    `${apiPath} to be deleted`,
    async () => {
      try {
        await e2e.kube.get(apiPath, signal());
        return undefined;
      } catch (err) {
        if (err instanceof KubeRequestError && err.status === 404) return true;
        throw err;
      }
    },
    { timeoutMs, onTimeout: () => `sidecar log tail:\n${e2e.sidecar.log().split('\n').slice(-25).join('\n')}` },
  );
}

/**
 * A content created directly through the API (no VolumeSnapshot), bound to a made-up VolumeSnapshot
 * UID. Without a handle it gets a fresh 1 MiB volume on the driver (hostpath snapshots only volumes
 * it has).
 */
export async function createDirectContent(
  e2e: E2E,
  opts: { name: string; volumeHandle?: string; snapshotHandle?: string; className?: string; uid?: string; policy?: 'Delete' | 'Retain'; annotations?: Record<string, string> },
): Promise<Content> {
  const volumeHandle = async (): Promise<string> =>
    opts.volumeHandle ?? (await e2e.csi.createVolume({ name: `direct-${opts.name}`, capacityBytes: 1024 * 1024 }, signal())).volume_id;
  const source = opts.snapshotHandle !== undefined ? { snapshotHandle: opts.snapshotHandle } : { volumeHandle: await volumeHandle() };
  return (await e2e.kube.create(
    `${SNAP}/volumesnapshotcontents`,
    {
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshotContent',
      metadata: { name: opts.name, annotations: opts.annotations ?? {}, finalizers: ['snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection'] },
      spec: {
        deletionPolicy: opts.policy ?? 'Delete',
        driver: e2e.driverName,
        source,
        ...(opts.className ? { volumeSnapshotClassName: opts.className } : {}),
        volumeSnapshotRef: { kind: 'VolumeSnapshot', name: `vs-${opts.name}`, namespace: 'default', uid: opts.uid ?? `uid-${opts.name}` },
      },
    },
    signal(),
  )) as Content;
}

export { eventually, signal };
