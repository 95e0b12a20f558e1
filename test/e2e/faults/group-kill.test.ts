// Fault suite: a VolumeGroupSnapshot while our sidecar is SIGKILLed at each step of the group
// create (after the being-created annotation; after the driver answered; after the sidecar got the
// answer) and of the group delete (after the driver answered). Driver: a private hostpathplugin
// (which has a real GroupController) behind the fault proxy. What must hold: one group on the driver
// with exactly one member snapshot per volume, the group content ready with that group id; after
// deletion nothing of the group on the driver.
import { beforeEach, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { CsiSnapshot } from '../../world/csi-admin.js';
import { createBoundClaim, createNamespace, RUN_LABEL } from '../../world/fixtures.js';
import type { CallRecord } from '../../world/csi-fault-proxy.js';
import { getOrUndefined, recordRow, signal, waitGone, type FaultEnv } from './fault-world.js';
import { faultWorldPerFile } from './fault-world-per-file.js';
import { eventually } from '../../support/polling.js';

const GROUP = '/apis/groupsnapshot.storage.k8s.io/v1';
const GROUP_BEING_CREATED = 'groupsnapshot.storage.kubernetes.io/volumegroupsnapshot-being-created';

interface Vgs {
  readonly metadata: { readonly name: string; readonly uid: string };
  readonly status?: { readonly readyToUse?: boolean; readonly boundVolumeGroupSnapshotContentName?: string };
}
interface Vgsc {
  readonly metadata: { readonly name: string; readonly annotations?: Record<string, string>; readonly finalizers?: string[] };
  readonly status?: { readonly volumeGroupSnapshotHandle?: string; readonly readyToUse?: boolean; readonly volumeSnapshotInfoList?: readonly { readonly snapshotHandle?: string }[] };
}
interface GroupFixture {
  readonly namespace: string;
  readonly volumeIds: readonly string[];
  readonly vgs: Vgs;
  readonly vgsPath: string;
}

let env: FaultEnv;
faultWorldPerFile('group', (e) => (env = e));
beforeEach(() => env.ensureSidecar());

/** Two hostpath volumes as pre-bound PV/PVC pairs with a shared label, a group class, the VolumeGroupSnapshot. */
async function groupFixture(): Promise<GroupFixture> {
  const s = signal();
  const id = randomBytes(4).toString('hex');
  const namespace = `fgrp-${id}`;
  const labels = { [RUN_LABEL]: 'true' };
  const selector = { 'faults.test/group': `g-${id}` };
  await createNamespace(env.kube, namespace, s);
  const volumeIds: string[] = [];
  for (const x of ['a', 'b']) {
    const vol = await env.direct.createVolume({ name: `fgrp-${x}-${id}` }, s);
    volumeIds.push(vol.volume_id);
    const pvName = `fgpv-${x}-${id}`;
    const pvcName = `fgpvc-${x}-${id}`;
    await createBoundClaim({ kube: env.kube, namespace, pvName, pvcName, driverName: env.driverName, volumeHandle: vol.volume_id, labels, pvcLabels: selector, signal: s });
  }
  const className = `fgclass-${id}`;
  await env.kube.create(`${GROUP}/volumegroupsnapshotclasses`, { apiVersion: 'groupsnapshot.storage.k8s.io/v1', kind: 'VolumeGroupSnapshotClass', metadata: { name: className, labels }, driver: env.driverName, deletionPolicy: 'Delete' }, s);
  const vgs = (await env.kube.create(`${GROUP}/namespaces/${namespace}/volumegroupsnapshots`, {
    apiVersion: 'groupsnapshot.storage.k8s.io/v1',
    kind: 'VolumeGroupSnapshot',
    metadata: { name: `fvgs-${id}`, labels },
    spec: { volumeGroupSnapshotClassName: className, source: { selector: { matchLabels: selector } } },
  }, s)) as Vgs;
  return { namespace, volumeIds, vgs, vgsPath: `${GROUP}/namespaces/${namespace}/volumegroupsnapshots/${vgs.metadata.name}` };
}

const contentPathOf = (f: GroupFixture): string => `${GROUP}/volumegroupsnapshotcontents/groupsnapcontent-${f.vgs.metadata.uid}`;

/** The driver's snapshots of this fixture's volumes (hostpath lists group members like any snapshot). */
async function onDriver(f: GroupFixture): Promise<readonly (CsiSnapshot & { readonly group_snapshot_id?: string })[]> {
  return (await env.backend()).filter((s) => f.volumeIds.includes(s.source_volume_id));
}

async function waitGroupReady(f: GroupFixture): Promise<Vgsc> {
  return eventually(`VolumeGroupSnapshot ${f.vgs.metadata.name} ready and its content settled`, async () => {
    const vgs = await getOrUndefined<Vgs>(env.kube, f.vgsPath);
    if (vgs?.status?.readyToUse !== true) return undefined;
    const c = await getOrUndefined<Vgsc>(env.kube, contentPathOf(f));
    return c?.status?.readyToUse === true && c.metadata.annotations?.[GROUP_BEING_CREATED] === undefined ? c : undefined;
  }, { timeoutMs: 90_000, onTimeout: () => env.sidecar.log().split('\n').slice(-25).join('\n') });
}

/** Exactly one group on the driver: one snapshot per volume, all with the content's group id. */
async function expectOneGroup(f: GroupFixture, content: Vgsc): Promise<void> {
  const snaps = await onDriver(f);
  expect(snaps.map((s) => s.source_volume_id).sort()).toEqual([...f.volumeIds].sort());
  expect(new Set(snaps.map((s) => s.group_snapshot_id))).toEqual(new Set([content.status?.volumeGroupSnapshotHandle]));
  expect(content.status?.volumeSnapshotInfoList?.map((i) => i.snapshotHandle).sort()).toEqual(snaps.map((s) => s.snapshot_id).sort());
}

async function kill(): Promise<void> {
  expect(await env.sidecar.kill()).toBe(137);
}

async function killedBy(run: (hook: (rec: CallRecord) => Promise<void>) => void): Promise<void> {
  let killed = false;
  run(async () => {
    await kill();
    killed = true;
  });
  await eventually('the sidecar killed by the proxy hook', async () => (killed ? true : undefined), { timeoutMs: 60_000 });
}

const groupName = (f: GroupFixture): string => `groupsnapshot-${f.vgs.metadata.uid}`;

describe('group snapshot, SIGKILL at each step', () => {
  test('after the being-created annotation, before the driver saw CreateVolumeGroupSnapshot', async () => {
    const f = await groupFixture();
    await killedBy((hook) => env.proxy.on('CreateVolumeGroupSnapshot', { times: 1, match: (r) => r['name'] === groupName(f), action: { kind: 'hook-then-hang', hook } }));
    expect((await getOrUndefined<Vgsc>(env.kube, contentPathOf(f)))?.metadata.annotations?.[GROUP_BEING_CREATED]).toBe('yes');
    expect(await onDriver(f)).toEqual([]);
    env.startSidecar();
    await expectOneGroup(f, await waitGroupReady(f));
    recordRow('group kill: after the annotation', 'SIGKILL when CreateVolumeGroupSnapshot reached the proxy (not forwarded)', `group ready; proxy: ${env.proxy.calls('CreateVolumeGroupSnapshot').filter((c) => c.request['name'] === groupName(f)).length} CreateVolumeGroupSnapshot; driver: 1 group, 2 member snapshots`);
  });

  test('after the driver answered CreateVolumeGroupSnapshot, before the answer reached the sidecar', async () => {
    const f = await groupFixture();
    let made = '';
    await killedBy((hook) =>
      env.proxy.on('CreateVolumeGroupSnapshot', {
        times: 1,
        match: (r) => r['name'] === groupName(f),
        action: {
          kind: 'forward-then-hook',
          hook: async (rec, decoded) => {
            made = (decoded as { group_snapshot?: { group_snapshot_id?: string } } | undefined)?.group_snapshot?.group_snapshot_id ?? '';
            await hook(rec);
          },
        },
      }),
    );
    expect(made).not.toBe('');
    env.startSidecar();
    const content = await waitGroupReady(f);
    expect(content.status?.volumeGroupSnapshotHandle).toBe(made);
    await expectOneGroup(f, content);
    recordRow('group kill: after the driver answered', 'driver made the group, SIGKILL before the answer reached the sidecar', `group ready with the id the driver made; proxy: ${env.proxy.calls('CreateVolumeGroupSnapshot').filter((c) => c.request['name'] === groupName(f)).length} CreateVolumeGroupSnapshot; driver: 1 group, 2 member snapshots`);
  });

  test('after the sidecar got the CreateVolumeGroupSnapshot answer (around the status write)', async () => {
    const f = await groupFixture();
    await killedBy((hook) => env.proxy.on('CreateVolumeGroupSnapshot', { times: 1, match: (r) => r['name'] === groupName(f), action: { kind: 'answer-then-hook', afterMs: 0, hook } }));
    env.startSidecar();
    await expectOneGroup(f, await waitGroupReady(f));
    recordRow('group kill: after the answer reached the sidecar', 'SIGKILL right after the CreateVolumeGroupSnapshot answer (around the status write)', `group ready; proxy: ${env.proxy.calls('CreateVolumeGroupSnapshot').filter((c) => c.request['name'] === groupName(f)).length} CreateVolumeGroupSnapshot; driver: 1 group, 2 member snapshots`);
  });

  test('after the driver answered DeleteVolumeGroupSnapshot, before the answer reached the sidecar: restarted, the group content goes, nothing left on the driver', async () => {
    const f = await groupFixture();
    const content = await waitGroupReady(f);
    await expectOneGroup(f, content);
    const groupId = content.status?.volumeGroupSnapshotHandle ?? '';
    const hooked = killedBy((hook) => env.proxy.on('DeleteVolumeGroupSnapshot', { times: 1, match: (r) => r['group_snapshot_id'] === groupId, action: { kind: 'forward-then-hook', hook } }));
    await env.kube.delete(f.vgsPath, signal());
    await hooked;
    expect(await onDriver(f)).toEqual([]);
    env.startSidecar();
    await waitGone(env, contentPathOf(f), 90_000);
    await waitGone(env, f.vgsPath, 90_000);
    expect(await onDriver(f)).toEqual([]);
    const deletes = env.proxy.calls('DeleteVolumeGroupSnapshot').filter((c) => c.request['group_snapshot_id'] === groupId);
    expect(deletes.length).toBeGreaterThanOrEqual(1);
    expect(deletes.every((c) => c.driverCode === undefined || c.driverCode === 0)).toBe(true);
    recordRow('group kill: delete, after the driver answered', 'driver deleted the group, SIGKILL before the answer reached the sidecar', `group content and VolumeGroupSnapshot gone; proxy: ${deletes.length} DeleteVolumeGroupSnapshot; driver: 0 snapshots of the group`);
  });
});
