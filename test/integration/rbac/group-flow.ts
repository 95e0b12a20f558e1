// The group snapshot flow an RBAC check drives after the single-snapshot flow, against
// csi-driver-host-path's real GroupController, arranged so it needs every group verb:
//  1. two 1 MiB volumes on the driver, then the driver frozen (SIGSTOP), then two labelled PVCs and
//     a VolumeGroupSnapshot → the snapshot-controller creates the group content and the sidecar
//     marks it being created (group contents patch) and calls CreateVolumeGroupSnapshot, which
//     hangs on the frozen driver;
//  2. the test bumps the group content's resourceVersion; the driver thaws → the sidecar's status
//     write (group contents/status patch with a resourceVersion precondition) gets a 409 and the
//     sidecar re-reads the content (group contents get);
//  3. ready; then the VolumeGroupSnapshot is deleted → DeleteVolumeGroupSnapshot, finalizer removal
//     (group contents patch) → the group content is gone, and so is every member snapshot on the
//     driver (its own ListSnapshots).
// List/watch of group contents and group classes happen at start-up.
import { createGroupFixture, deleteGroupFixture, GROUP_API, groupContentName, groupSnapshotPath } from '../../world/group-fixtures.js';
import { isGone } from '../../world/kube-rest.js';
import type { GroupFixture, VolumeGroupSnapshot } from '../../world/group-fixtures.js';
import { waitUntil } from '../../world/proc.js';
import { conflictThenThaw, driverFreeze, type FlowContext as SharedFlowContext } from './flow-context.js';

export type GroupFlowStep = 'group-fixture' | 'group-conflict-reread' | 'group-ready' | 'group-deleted';

export type GroupFlowContext = SharedFlowContext<GroupFlowStep>;

interface GroupContent {
  readonly status?: {
    readonly readyToUse?: boolean;
    readonly volumeSnapshotInfoList?: readonly { readonly snapshotHandle?: string }[];
  };
}

export async function runGroupFlow(ctx: GroupFlowContext): Promise<void> {
  const { kube, signal, namespace } = ctx;
  const wait = (what: string, probe: (s: AbortSignal) => Promise<boolean>): Promise<void> =>
    waitUntil(probe, { what, timeoutMs: ctx.stepTimeoutMs, intervalMs: 150, signal });
  const tag = ctx.driver.driverName.split('.')[0] ?? 'x';
  let fixture: GroupFixture | undefined;
  const freeze = driverFreeze(ctx.driver);
  try {
    const volumes = [];
    for (const i of [0, 1]) volumes.push((await ctx.csi.createVolume({ name: `rbac-g${i}-${tag}`, capacityBytes: 1024 * 1024 }, signal)).volume_id);
    freeze.freeze();
    fixture = await createGroupFixture({ kube, driverName: ctx.driver.driverName, volumeHandles: volumes, namespace, signal });
    const contentName = groupContentName(fixture);
    const contentPath = `${GROUP_API}/volumegroupsnapshotcontents/${contentName}`;
    ctx.onStep('group-fixture');

    // The sidecar's first write to the group content comes before its CreateVolumeGroupSnapshot.
    await wait('the sidecar patching the group content (being created)', async () =>
      ctx.audit.requests().some((r) => r.resource === 'volumegroupsnapshotcontents' && r.verb === 'patch' && r.code === 200),
    );
    await conflictThenThaw({ kube, audit: ctx.audit, freeze, contentPath, resource: 'volumegroupsnapshotcontents', wait, what: 'the group content', signal });
    ctx.onStep('group-conflict-reread');

    const f = fixture;
    let memberIds: readonly string[] = [];
    await wait('the group content and the VolumeGroupSnapshot readyToUse', async (s) => {
      const [c, vgs] = await Promise.all([kube.get(contentPath, s) as Promise<GroupContent>, kube.get(groupSnapshotPath(f), s) as Promise<VolumeGroupSnapshot>]);
      memberIds = (c.status?.volumeSnapshotInfoList ?? []).map((i) => i.snapshotHandle ?? '');
      return c.status?.readyToUse === true && vgs.status?.readyToUse === true;
    });
    ctx.onStep('group-ready');

    await kube.delete(groupSnapshotPath(f), signal);
    await wait('the group content to be gone', (s) => isGone(kube, contentPath, s));
    await wait('every member snapshot gone from the driver', async (s) => {
      const left = (await ctx.csi.listSnapshots({}, s)).map((x) => x.snapshot_id);
      return memberIds.length === 2 && memberIds.every((id) => !left.includes(id));
    });
    ctx.onStep('group-deleted');
  } finally {
    freeze.release();
    if (fixture) await deleteGroupFixture(kube, fixture, AbortSignal.timeout(30_000));
  }
}
