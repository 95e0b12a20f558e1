// Deletion always progresses (issue 13, items 1 and 2) on the real kube-apiserver and the real
// upstream snapshot-controller, with OUR sidecar as a process and a scripted gRPC CSI driver (it
// must answer CreateSnapshot with Internal for ever, which no real driver can be told to do):
//  - a class naming a Secret that does not exist: the content never gets the being-created
//    annotation and no CreateSnapshot is sent; deleting the VolumeSnapshot removes everything;
//  - a driver answering Internal for ever: the annotation stays while the VolumeSnapshot lives; once
//    it is deleted, the same-named CreateSnapshot is re-issued until --ambiguous-create-give-up
//    after the content's deletionTimestamp, then the annotation is released, a
//    SnapshotCreationAbandoned Warning names the CSI snapshot, the metric counts it, and the
//    VolumeSnapshot and its content are gone.
// The PV's volume handle comes from the world's real CSI driver (any id works for the scripted one).
//
// Needs a running world (TESTWORLD=<dir>/world.json) and a built sidecar (npm run build).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { csiError, ScriptedCsiDriver } from '../../support/scripted-csi-driver.js';
import { eventually } from '../../support/polling.js';
import { startSidecar, type SidecarProcess } from '../../support/sidecar-process.js';
import { loadWorld, type WorldJson } from '../../support/world-handle.js';
import { CsiAdmin } from '../../world/csi-admin.js';
import { createSnapshotFixture, deleteSnapshotFixture, getContent, waitForContent, type SnapshotFixture } from '../../world/fixtures.js';
import { isGone, KubeRest } from '../../world/kube-rest.js';

const SNAP = '/apis/snapshot.storage.k8s.io/v1';
const BEING_CREATED = 'snapshot.storage.kubernetes.io/volumesnapshot-being-created';
const GIVE_UP = '3s';

interface CoreEvent {
  readonly reason?: string;
  readonly message?: string;
  readonly type?: string;
  readonly source?: { readonly component?: string };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port for the sidecar metrics endpoint');
  return address.port;
}

async function gone(kube: KubeRest, p: string): Promise<true | undefined> {
  return (await isGone(kube, p, AbortSignal.timeout(5_000))) ? true : undefined;
}

describe('deletion always progresses (our sidecar, real apiserver and snapshot-controller, scripted driver)', () => {
  let world: WorldJson;
  let kube: KubeRest;
  let csi: CsiAdmin;
  let dir: string;
  let driver: ScriptedCsiDriver;
  let driverName: string;
  let sidecar: SidecarProcess | undefined;
  let metricsUrl: string;
  const fixtures: SnapshotFixture[] = [];
  const diagnostics = (): string => `sidecar log tail:\n${(sidecar?.log() ?? '').split('\n').slice(-40).join('\n')}`;

  const eventsOf = async (contentName: string): Promise<readonly CoreEvent[]> => {
    const list = (await kube.get(`/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${contentName}`)}`, AbortSignal.timeout(5_000))) as {
      readonly items: readonly CoreEvent[];
    };
    return list.items.filter((e) => e.source?.component === `csi-snapshotter ${driverName}`);
  };

  beforeAll(async () => {
    world = loadWorld();
    kube = await KubeRest.fromKubeconfig({ kubeconfig: world.kubeconfig, userAgent: 'testworld-integration/deletion-progress' });
    const realDriver = world.csi[0];
    if (realDriver === undefined) throw new Error('the world lists no CSI driver (world.json "csi" is empty)');
    csi = CsiAdmin.open({ endpoint: realDriver.endpoint, csiProto: world.csiProto });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tdp-'));
    driverName = `dp-${path.basename(dir).slice(4).toLowerCase()}.csi.testworld`;
    driver = await ScriptedCsiDriver.start({ driverName });
    // A driver that never says whether it made the snapshot.
    driver.script({ CreateSnapshot: () => { throw csiError(grpc.status.INTERNAL, 'backend lost track of the request'); } });
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    sidecar = startSidecar({
      kubeconfig: world.kubeconfig,
      csiAddress: driver.address,
      dir,
      args: ['--v=4', '--worker-threads=2', `--ambiguous-create-give-up=${GIVE_UP}`, '--retry-interval-start=200ms', '--retry-interval-max=1s', `--http-endpoint=127.0.0.1:${port}`],
    });
    await eventually('our sidecar serving /metrics', async () => ((await fetch(metricsUrl)).ok ? true : undefined), { timeoutMs: 30_000, onTimeout: diagnostics });
  });

  afterAll(async () => {
    const signal = AbortSignal.timeout(30_000);
    for (const f of fixtures) await deleteSnapshotFixture(kube, f, signal);
    await sidecar?.stop();
    await driver?.stop();
    csi?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('item 1: a class naming a missing Secret: no being-created annotation, no CreateSnapshot; the deletion finishes', async () => {
    const signal = AbortSignal.timeout(90_000);
    const f = await createSnapshotFixture({
      kube,
      csi,
      driverName,
      classParameters: { 'csi.storage.k8s.io/snapshotter-secret-name': 'absent-creds', 'csi.storage.k8s.io/snapshotter-secret-namespace': 'default' },
      signal,
    });
    fixtures.push(f);
    const content = await waitForContent(kube, f, { signal });
    const contentName = content.metadata.name;
    const snapshotName = `snapshot-${f.snapshot.metadata.uid}`;
    const failure = await eventually(
      'a Warning about the unreadable Secret',
      async () => (await eventsOf(contentName)).find((e) => e.type === 'Warning' && (e.message ?? '').includes('default/absent-creds')),
      { timeoutMs: 30_000, onTimeout: diagnostics },
    );
    expect(failure.reason).toBe('SnapshotCreationFailed');
    const failed = await getContent(kube, contentName, signal);
    expect(failed.metadata.annotations?.[BEING_CREATED]).toBeUndefined();
    expect(driver.requestsTo('CreateSnapshot').filter((r) => r.name === snapshotName)).toEqual([]);

    await kube.delete(`${SNAP}/namespaces/${f.namespace}/volumesnapshots/${f.snapshot.metadata.name}`, signal);
    await eventually('the content to be gone', () => gone(kube, `${SNAP}/volumesnapshotcontents/${contentName}`), { timeoutMs: 60_000, onTimeout: diagnostics });
    await eventually('the VolumeSnapshot to be gone', () => gone(kube, `${SNAP}/namespaces/${f.namespace}/volumesnapshots/${f.snapshot.metadata.name}`), { timeoutMs: 60_000, onTimeout: diagnostics });
    expect(driver.requestsTo('CreateSnapshot').filter((r) => r.name === snapshotName)).toEqual([]);
    expect(driver.requestsTo('DeleteSnapshot')).toEqual([]);
  });

  test('item 2: Internal for ever: the annotation holds while the VolumeSnapshot lives, is released after the give-up bound once it is deleted, loudly and counted', async () => {
    const signal = AbortSignal.timeout(120_000);
    const f = await createSnapshotFixture({ kube, csi, driverName, signal });
    fixtures.push(f);
    const content = await waitForContent(kube, f, { signal });
    const contentName = content.metadata.name;
    const snapshotName = `snapshot-${f.snapshot.metadata.uid}`;
    // Several ambiguous answers while the VolumeSnapshot lives: the annotation must hold (#866).
    await eventually('three ambiguous CreateSnapshot answers', async () => (driver.requestsTo('CreateSnapshot').filter((r) => r.name === snapshotName).length >= 3 ? true : undefined), {
      timeoutMs: 30_000,
      onTimeout: diagnostics,
    });
    const held = await getContent(kube, contentName, signal);
    expect(held.metadata.annotations?.[BEING_CREATED]).toBe('yes');

    await kube.delete(`${SNAP}/namespaces/${f.namespace}/volumesnapshots/${f.snapshot.metadata.name}`, signal);
    await eventually('the content to be gone', () => gone(kube, `${SNAP}/volumesnapshotcontents/${contentName}`), { timeoutMs: 60_000, onTimeout: diagnostics });
    await eventually('the VolumeSnapshot to be gone', () => gone(kube, `${SNAP}/namespaces/${f.namespace}/volumesnapshots/${f.snapshot.metadata.name}`), { timeoutMs: 60_000, onTimeout: diagnostics });

    // Every attempt used the one CSI name, and nothing was deleted on the driver (it has no handle).
    const names = new Set(driver.requestsTo('CreateSnapshot').filter((r) => r.source_volume_id === f.volume.volume_id).map((r) => r.name));
    expect([...names]).toEqual([snapshotName]);
    expect(driver.requestsTo('DeleteSnapshot')).toEqual([]);
    const abandoned = await eventually('the SnapshotCreationAbandoned Warning', async () => (await eventsOf(contentName)).find((e) => e.reason === 'SnapshotCreationAbandoned'), {
      timeoutMs: 30_000,
      onTimeout: diagnostics,
    });
    expect(abandoned.type).toBe('Warning');
    expect(abandoned.message).toContain(`"${snapshotName}"`);
    expect(abandoned.message).toContain(`driver ${driverName}`);
    expect(abandoned.message).toContain('code = Internal');
    const metrics = await (await fetch(metricsUrl)).text();
    expect(metrics).toContain(`csi_snapshotter_possible_orphans_total{driver_name="${driverName}",kind="VolumeSnapshotContent"} 1`);
    // The operators' metrics of the same story (issue 16): the ambiguous creates were retried, the
    // deletion was held by the unknown outcome, and the content left the state gauge; no series
    // names the object.
    const value = (series: string): number => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics)?.[1] ?? 'NaN');
    const l = `driver_name="${driverName}",kind="VolumeSnapshotContent"`;
    expect(value(`csi_snapshotter_operation_retries_total{${l},operation="create",grpc_status_code="Internal"}`)).toBeGreaterThanOrEqual(3);
    expect(value(`csi_snapshotter_deletion_blocked_total{${l},reason="create-outcome-unknown"}`)).toBeGreaterThanOrEqual(1);
    for (const state of ['pending', 'creating', 'ready', 'error', 'deleting']) expect(value(`csi_snapshotter_contents{${l},state="${state}"}`)).toBe(0);
    expect(value(`csi_snapshotter_oldest_unready_content_age_seconds{${l}}`)).toBe(0);
    expect(metrics).not.toContain(contentName);
  });
});
