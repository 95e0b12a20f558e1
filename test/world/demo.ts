// `make demo`: the main job on an embedded default. Brings up the local world (kube-apiserver,
// etcd, csi-driver-host-path, the upstream snapshot-controller), starts OUR sidecar, takes a snapshot
// of a 1 MiB PVC and shows it ready with the driver's restoreSize and the snapshot on the backend
// (the driver's ListSnapshots and its tar file under the state dir), deletes it and shows both
// gone, then tears down.
// Ctrl-C at any point tears everything down.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CsiAdmin } from './csi-admin.js';
import { createSnapshotFixture, getContent, getVolumeSnapshot } from './fixtures.js';
import { isGone, KubeRest, KubeRequestError } from './kube-rest.js';
import { startWorld, type World } from './world.js';
import { poll } from '../support/polling.js';
import { startSidecar, type SidecarProcess } from '../support/sidecar-process.js';

const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const say = (s: string): void => void process.stdout.write(`${s}\n`);
const step = (n: number, s: string): void => say(`\n${bold(`[${n}/7] ${s}`)}`);

/** Polls `fn` until it answers (a 404 is "not yet", any other error ends the demo). */
function until<T>(what: string, fn: () => Promise<T | undefined>, signal: AbortSignal, timeoutMs = 60_000): Promise<T> {
  return poll(what, fn, { timeoutMs, intervalMs: 250, signal, retryError: (err) => err instanceof KubeRequestError && err.status === 404 });
}

async function main(): Promise<number> {
  const stop = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort(new Error(`${sig}: tearing down`)));
  const signal = stop.signal;
  let world: World | undefined;
  let sidecar: SidecarProcess | undefined;
  try {
    step(1, 'Starting a local world: etcd, kube-apiserver, snapshot CRDs, csi-driver-host-path, the upstream snapshot-controller');
    const t0 = Date.now();
    world = await startWorld({ signal, onStep: (s, ms) => say(`  ${s.padEnd(20)} ${ms} ms`) });
    say(`  up in ${Date.now() - t0} ms — run dir ${world.runDir}`);
    const driver = world.csi[0];
    if (driver === undefined) throw new Error('the world started no CSI driver');
    const stateDir = driver.stateDir;
    if (driver.kind !== 'hostpath' || stateDir === undefined) throw new Error(`the world's first driver ${driver.driverName} is not csi-driver-host-path`);
    const snapFile = (id: string): string => path.join(stateDir, `${id}.snap`);
    const kubectl = (...args: string[]): string =>
      execFileSync(world?.manifest.binaries.kubectl ?? 'kubectl', [`--kubeconfig=${world?.kubeconfig}`, ...args], { encoding: 'utf8' });

    step(2, `Starting our csi-snapshotter against driver ${driver.driverName} (csi-driver-host-path v1.18.0, state dir ${stateDir})`);
    sidecar = startSidecar({
      kubeconfig: world.kubeconfig,
      csiAddress: driver.endpoint,
      dir: world.runDir,
      name: 'csi-snapshotter',
      args: ['--v=2', `--termination-log-path=${path.join(world.runDir, 'termination-log')}`],
    });
    const sc = sidecar;
    await until('the sidecar to sync its caches', async () => (sc.log().includes('Caches synced') ? true : undefined), signal);
    say(`  running, pid ${sidecar.process.pid}; log ${sidecar.logFile}`);

    step(3, 'Creating a 1 MiB volume on the driver, a PV and a bound PVC, a VolumeSnapshotClass and a VolumeSnapshot');
    const kube = await KubeRest.fromKubeconfig({ kubeconfig: world.kubeconfig, userAgent: 'csi-snapshotter-demo' });
    const csi = CsiAdmin.open({ endpoint: driver.endpoint, csiProto: world.toJson().csiProto });
    const f = await createSnapshotFixture({ kube, csi, driverName: driver.driverName, namespace: 'demo', signal });
    say(`  volume ${f.volume.volume_id} (${f.volume.capacity_bytes} bytes) → PV ${f.pvName} → PVC demo/${f.pvcName} → VolumeSnapshot demo/${f.snapshot.metadata.name}`);

    step(4, 'Waiting for the VolumeSnapshot to become readyToUse');
    const t1 = Date.now();
    await until('readyToUse', async () => ((await getVolumeSnapshot(kube, { namespace: 'demo', name: f.snapshot.metadata.name }, signal)).status?.readyToUse ? true : undefined), signal);
    say(`  ready after ${Date.now() - t1} ms\n`);
    say(kubectl('get', 'volumesnapshot', '-n', 'demo', '-o', 'wide'));
    const contentName = `snapcontent-${f.snapshot.metadata.uid}`;
    say(kubectl('get', 'volumesnapshotcontent', contentName));
    const content = (await getContent(kube, contentName, signal)) as { status?: { snapshotHandle?: string; restoreSize?: number; creationTime?: number } };
    const handle = content.status?.snapshotHandle ?? '';
    say(`  status.snapshotHandle = ${handle}`);
    say(`  status.restoreSize    = ${content.status?.restoreSize ?? '(not reported by the driver)'}`);
    say(`  status.creationTime   = ${content.status?.creationTime} (Unix ns)`);
    const onDriver = await csi.listSnapshots({ snapshotId: handle }, signal);
    say(`  the driver's ListSnapshots(${handle}):`);
    for (const s of onDriver) say(`    ${JSON.stringify({ snapshot_id: s.snapshot_id, source_volume_id: s.source_volume_id, size_bytes: s.size_bytes, ready_to_use: s.ready_to_use })}`);
    if (onDriver.length !== 1) throw new Error(`the driver lists ${onDriver.length} snapshots with id ${handle}, expected 1`);
    if (content.status?.restoreSize !== Number(onDriver[0]?.size_bytes)) throw new Error(`restoreSize ${content.status?.restoreSize} is not the driver's size ${onDriver[0]?.size_bytes}`);
    const file = snapFile(handle);
    if (!fs.existsSync(file)) throw new Error(`the driver has no snapshot file ${file}`);
    say(`  on the backend: ${file} (${fs.statSync(file).size} bytes, a tar.gz of the volume directory)`);

    step(5, 'Deleting the VolumeSnapshot (deletionPolicy Delete)');
    await kube.delete(`/apis/snapshot.storage.k8s.io/v1/namespaces/demo/volumesnapshots/${f.snapshot.metadata.name}`, signal);
    await until('the content to be deleted', async () => ((await isGone(kube, `/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/${contentName}`, signal)) ? true : undefined), signal);
    say(kubectl('get', 'volumesnapshot,volumesnapshotcontent', '-A'));

    step(6, 'Checking the driver');
    const after = await csi.listSnapshots({ snapshotId: handle }, signal);
    say(`  ListSnapshots(${handle}) → ${after.length === 0 ? 'no such snapshot: deleted on the backend' : JSON.stringify(after)}`);
    const fileGone = !fs.existsSync(file);
    say(`  ${file} → ${fileGone ? 'gone' : 'STILL THERE'}`);
    csi.close();
    if (after.length !== 0) throw new Error(`backend snapshot ${handle} still exists`);
    if (!fileGone) throw new Error(`backend snapshot file ${file} still exists`);

    step(7, 'Tearing down');
    return 0;
  } catch (err) {
    process.stderr.write(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    if (sidecar) process.stderr.write(`sidecar log tail:\n${sidecar.log().split('\n').slice(-15).join('\n')}\n`);
    return signal.aborted ? 130 : 1;
  } finally {
    await sidecar?.stop(10_000);
    await world?.stop();
    say('  stopped every process the demo started');
  }
}

process.exitCode = await main();
