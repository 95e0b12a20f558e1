// Set-up shared by the fault-suite files: the running test world (TESTWORLD: kube-apiserver, etcd,
// the upstream snapshot-controller), a PRIVATE hostpathplugin of this file's own (own driver name,
// socket and state), the fault proxy in front of it, and OUR sidecar as a real process dialing the
// proxy. Assertions read real state only: the driver's own snapshots (ListSnapshots on the driver's
// socket, never through the proxy), the API objects, and the proxy's call log.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CsiAdmin, type CsiSnapshot } from '../../world/csi-admin.js';
import { CsiFaultProxy } from '../../world/csi-fault-proxy.js';
import { createSnapshotFixture, getVolumeSnapshot, type SnapshotFixture } from '../../world/fixtures.js';
import { KubeRest, KubeRequestError } from '../../world/kube-rest.js';
import { readManifest } from '../../world/manifest.js';
import { readWorldJson } from '../../world/world-json.js';
import { eventually } from '../../support/polling.js';
import { startSidecar, type SidecarProcess } from '../../support/sidecar-process.js';
import { loadWorld, type WorldJson } from '../../support/world-handle.js';
import { startPrivateHostpath, type PrivateHostpath } from './private-hostpath.js';

export const SNAP = '/apis/snapshot.storage.k8s.io/v1';
export const BEING_CREATED = 'snapshot.storage.kubernetes.io/volumesnapshot-being-created';
export const BEING_DELETED = 'snapshot.storage.kubernetes.io/volumesnapshot-being-deleted';
export const CONTENT_FINALIZER = 'snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection';

/** Short retry/poll intervals: these cases are not about the defaults. */
export const FAULT_FLAGS: readonly string[] = [
  '--v=4',
  '--retry-interval-start=200ms',
  '--retry-interval-max=2s',
  '--poll-interval-start=200ms',
  '--poll-interval-max=2s',
  '--timeout=5s',
];

/** The official csi.proto: the world's, else the build manifest's. */
export function faultCsiProto(): string {
  const file = process.env['TESTWORLD'];
  if (file) return readWorldJson(file).csiProto;
  return readManifest().csiProto;
}

export const signal = (): AbortSignal => AbortSignal.timeout(30_000);

export interface FaultEnv {
  readonly world: WorldJson;
  readonly kube: KubeRest;
  readonly driverName: string;
  readonly dir: string;
  readonly hostpath: PrivateHostpath;
  readonly proxy: CsiFaultProxy;
  /** The driver's own socket (not the proxy). */
  readonly direct: CsiAdmin;
  sidecar: SidecarProcess;
  readonly sidecars: SidecarProcess[];
  startSidecar(args?: readonly string[], env?: Readonly<Record<string, string>>, kubeconfig?: string): SidecarProcess;
  /** Starts a sidecar (default flags) when the current one has exited: a case that failed half-way may leave none running. */
  ensureSidecar(): void;
  /** Every snapshot the driver holds, asked on its own socket. */
  backend(): Promise<readonly CsiSnapshot[]>;
  fixture(opts?: { deletionPolicy?: 'Delete' | 'Retain'; classParameters?: Record<string, string>; namespace?: string }): Promise<SnapshotFixture>;
  close(): Promise<void>;
}

export interface FaultEnvOptions {
  readonly sidecarArgs?: readonly string[];
  /** Do not start a sidecar yet. */
  readonly noSidecar?: boolean;
  /** Do not bind the proxy's socket yet (the socket-appears-late case). */
  readonly proxyLate?: boolean;
  /** Another world.json than TESTWORLD (a private world). */
  readonly world?: WorldJson;
}

export async function setupFaults(suite: string, opts: FaultEnvOptions = {}): Promise<FaultEnv> {
  const world = opts.world ?? loadWorld();
  const kube = await KubeRest.fromKubeconfig({ kubeconfig: world.kubeconfig, userAgent: `faults-${suite}` });
  const driverName = `${suite}.faults.csi.test`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `f${suite.slice(0, 6)}-`));
  const hostpath = await startPrivateHostpath({ driverName, dir, csiProto: world.csiProto, binary: world.hostpathPlugin });
  const proxyOpts = { csiProto: world.csiProto, target: hostpath.endpoint, socketPath: path.join(dir, 'p.sock') };
  const proxy = opts.proxyLate ? CsiFaultProxy.create(proxyOpts) : await CsiFaultProxy.start(proxyOpts);
  const direct = CsiAdmin.open({ endpoint: hostpath.endpoint, csiProto: world.csiProto });
  const sidecars: SidecarProcess[] = [];
  let seq = 0;
  const launch = (args: readonly string[] = opts.sidecarArgs ?? FAULT_FLAGS, env: Readonly<Record<string, string>> = {}, kubeconfig = world.kubeconfig): SidecarProcess => {
    seq += 1;
    const s = startSidecar({
      kubeconfig,
      csiAddress: proxy.endpoint,
      dir,
      name: `sidecar-${seq}`,
      args: [...args, `--termination-log-path=${path.join(dir, `termination-${seq}.log`)}`],
      env,
    });
    sidecars.push(s);
    return s;
  };
  const env: FaultEnv = {
    world,
    kube,
    driverName,
    dir,
    hostpath,
    proxy,
    direct,
    sidecars,
    sidecar: undefined as unknown as SidecarProcess,
    startSidecar(args, e, kubeconfig) {
      env.sidecar = launch(args, e, kubeconfig);
      return env.sidecar;
    },
    ensureSidecar() {
      const p = env.sidecar.process;
      if (p.exitCode !== null || p.signalCode !== null) env.startSidecar();
    },
    backend: () => direct.listSnapshots({}, signal()),
    fixture: (o = {}) => createSnapshotFixture({ kube, csi: direct, driverName, signal: signal(), ...o }),
    async close() {
      for (const s of sidecars) await s.stop(5_000);
      direct.close();
      await proxy.close();
      await hostpath.stop();
    },
  };
  if (!opts.noSidecar) env.startSidecar();
  return env;
}

export interface Content {
  readonly metadata: { readonly name: string; readonly annotations?: Record<string, string>; readonly finalizers?: string[]; readonly uid: string; readonly deletionTimestamp?: string };
  readonly spec: { readonly deletionPolicy: string; readonly source: { readonly volumeHandle?: string; readonly snapshotHandle?: string }; readonly [k: string]: unknown };
  readonly status?: { readonly snapshotHandle?: string; readonly readyToUse?: boolean; readonly restoreSize?: number; readonly error?: { readonly message?: string } };
}

export const contentName = (f: SnapshotFixture): string => `snapcontent-${f.snapshot.metadata.uid}`;
export const vsPath = (f: SnapshotFixture): string => `${SNAP}/namespaces/${f.namespace}/volumesnapshots/${f.snapshot.metadata.name}`;
export const contentPath = (name: string): string => `${SNAP}/volumesnapshotcontents/${name}`;

export async function getOrUndefined<T>(kube: KubeRest, apiPath: string): Promise<T | undefined> {
  try {
    return (await kube.get(apiPath, signal())) as T;
  } catch (err) {
    if (err instanceof KubeRequestError && err.status === 404) return undefined;
    throw err;
  }
}

const tail = (env: FaultEnv): (() => string) => () => `sidecar log tail:\n${env.sidecar?.log().split('\n').slice(-25).join('\n')}`;

export async function waitContent(env: FaultEnv, name: string, pred: (c: Content) => boolean, what: string, timeoutMs = 60_000): Promise<Content> {
  return eventually(`content ${name}: ${what}`, async () => {
    const c = await getOrUndefined<Content>(env.kube, contentPath(name));
    return c && pred(c) ? c : undefined;
  }, { timeoutMs, onTimeout: tail(env) });
}

export const waitReady = (env: FaultEnv, name: string, timeoutMs = 60_000): Promise<Content> =>
  waitContent(env, name, (c) => c.status?.readyToUse === true && c.metadata.annotations?.[BEING_CREATED] === undefined, 'readyToUse', timeoutMs);

export async function waitGone(env: FaultEnv, apiPath: string, timeoutMs = 60_000): Promise<void> {
  await eventually(`${apiPath} gone`, async () => ((await getOrUndefined(env.kube, apiPath)) === undefined ? true : undefined), { timeoutMs, onTimeout: tail(env) });
}

export async function waitSnapshotReady(env: FaultEnv, f: SnapshotFixture, timeoutMs = 60_000): Promise<void> {
  await eventually(`VolumeSnapshot ${f.snapshot.metadata.name} readyToUse`, async () => {
    const vs = await getVolumeSnapshot(env.kube, { namespace: f.namespace, name: f.snapshot.metadata.name }, signal());
    return vs.status?.readyToUse === true ? true : undefined;
  }, { timeoutMs, onTimeout: tail(env) });
}

/** Backend snapshots whose source is this fixture's volume. */
export async function backendFor(env: FaultEnv, f: SnapshotFixture): Promise<readonly CsiSnapshot[]> {
  return (await env.backend()).filter((s) => s.source_volume_id === f.volume.volume_id);
}

/** Calls of `method` in the proxy log whose request names this content's snapshot / handle. */
export function callsFor(env: FaultEnv, method: string, key: string): ReturnType<CsiFaultProxy['calls']> {
  return env.proxy.calls(method).filter((c) => c.request['name'] === key || c.request['snapshot_id'] === key || c.request['source_volume_id'] === key);
}

/** Waits until fn holds, then a little longer to show it keeps holding is not claimed: the caller re-checks counts. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * One row of the fault suite's table (case | what was injected | what held, with the counts read
 * from the driver and the proxy): printed, and appended as a JSON line to $FAULT_TABLE when set.
 */
export function recordRow(testCase: string, injected: string, held: string): void {
  const row = { case: testCase, injected, held };
  process.stdout.write(`FAULT-TABLE | ${testCase} | ${injected} | ${held} |\n`);
  const file = process.env['FAULT_TABLE'];
  if (file) fs.appendFileSync(file, `${JSON.stringify(row)}\n`);
}

/**
 * No hot loop: every gap between consecutive calls, from the second on, is at least the
 * exponential back-off of --retry-interval-start doubling up to --retry-interval-max (less 20 % for
 * jitter and timer slack). The first gap is free: a change by another writer (the
 * snapshot-controller binding the content, say) rightly triggers one early re-sync.
 */
export function backoffGaps(calls: readonly { readonly start: number }[], startMs: number, maxMs: number): { readonly gaps: readonly number[]; readonly ok: boolean } {
  const gaps = calls.slice(1).map((c, i) => c.start - (calls[i]?.start ?? c.start));
  const ok = gaps.every((g, i) => i === 0 || g >= 0.8 * Math.min(startMs * 2 ** (i - 1), maxMs));
  return { gaps, ok };
}
