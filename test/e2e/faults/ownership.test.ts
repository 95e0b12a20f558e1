// Fault suite: what is not ours survives our writes (another writer's annotation and finalizer),
// Retain keeps the backend snapshot, and a pre-provisioned handle the driver does not know. Driver:
// a private hostpathplugin behind the fault proxy; assertions read the driver, the API and the log.
import { describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createNamespace } from '../../world/fixtures.js';
import { CONTENT_FINALIZER, SNAP, backoffGaps, recordRow, backendFor, contentName, contentPath, getOrUndefined, signal, sleep, vsPath, waitContent, waitGone, waitReady, type Content, type FaultEnv } from './fault-world.js';
import { faultWorldPerFile } from './fault-world-per-file.js';

let env: FaultEnv;
faultWorldPerFile('owner', (e) => (env = e));

const OTHER_ANN = 'example.com/backup-tool';
const OTHER_FIN = 'example.com/hold';

describe("another writer's annotation and finalizer", () => {
  test('survive every write of ours (create, ready, delete); the content waits for the other finalizer, the backend snapshot is deleted', async () => {
    const f = await env.fixture();
    const name = `snapshot-${f.snapshot.metadata.uid}`;
    const cname = contentName(f);
    // Hold CreateSnapshot 3 s so the other writer writes while our create is in flight.
    env.proxy.on('CreateSnapshot', { times: 1, match: (r) => r['name'] === name, delayMs: 3_000 });
    await waitContent(env, cname, () => true, 'created by the snapshot-controller');
    const c0 = await waitContent(env, cname, () => env.proxy.calls('CreateSnapshot').some((c) => c.request['name'] === name), 'CreateSnapshot in flight');
    await env.kube.mergePatch(contentPath(cname), { metadata: { annotations: { [OTHER_ANN]: 'keep-me' }, finalizers: [...(c0.metadata.finalizers ?? []), OTHER_FIN] } }, signal());
    const ready = await waitReady(env, cname);
    expect(ready.metadata.annotations?.[OTHER_ANN]).toBe('keep-me');
    expect(ready.metadata.finalizers).toEqual(expect.arrayContaining([OTHER_FIN, CONTENT_FINALIZER]));
    const handle = ready.status?.snapshotHandle ?? '';
    await env.kube.delete(vsPath(f), signal());
    // Our part of the deletion: the backend snapshot deleted, our finalizer removed; theirs stays.
    const waiting = await waitContent(env, cname, (c) => c.metadata.deletionTimestamp !== undefined && !(c.metadata.finalizers ?? []).includes(CONTENT_FINALIZER), 'our finalizer removed');
    expect(waiting.metadata.finalizers).toEqual([OTHER_FIN]);
    expect(waiting.metadata.annotations?.[OTHER_ANN]).toBe('keep-me');
    expect(await backendFor(env, f)).toEqual([]);
    expect(env.proxy.calls('DeleteSnapshot').filter((c) => c.request['snapshot_id'] === handle).map((c) => c.code)).toEqual([0]);
    await env.kube.mergePatch(contentPath(cname), { metadata: { finalizers: null } }, signal());
    await waitGone(env, contentPath(cname));
    recordRow("another writer's annotation and finalizer", 'annotation + finalizer added while CreateSnapshot was held 3 s', 'both kept through ready and delete; our finalizer removed, theirs left; proxy: 1 DeleteSnapshot; driver: 0 snapshots');
  });
});

describe('Retain', () => {
  test('VolumeSnapshot and then the content deleted: the backend snapshot stays, DeleteSnapshot never called', async () => {
    const f = await env.fixture({ deletionPolicy: 'Retain' });
    const cname = contentName(f);
    const handle = (await waitReady(env, cname)).status?.snapshotHandle ?? '';
    await env.kube.delete(vsPath(f), signal());
    await waitGone(env, vsPath(f));
    const kept = await getOrUndefined<Content>(env.kube, contentPath(cname));
    expect(kept?.status?.snapshotHandle).toBe(handle);
    await env.kube.delete(contentPath(cname), signal());
    await waitGone(env, contentPath(cname));
    expect((await backendFor(env, f)).map((s) => s.snapshot_id)).toEqual([handle]);
    expect(env.proxy.calls('DeleteSnapshot').filter((c) => c.request['snapshot_id'] === handle)).toEqual([]);
    recordRow('Retain', 'VolumeSnapshot then content deleted, deletionPolicy Retain', 'content kept until deleted; proxy: 0 DeleteSnapshot; driver: 1 snapshot kept');
  });
});

describe('pre-provisioned content with a handle the driver does not know', () => {
  test('status.error from the driver check, no hot loop; VolumeSnapshot deleted (policy Delete): DeleteSnapshot by the spec handle, content gone', async () => {
    const ns = `pre-${randomBytes(3).toString('hex')}`;
    await createNamespace(env.kube, ns, signal());
    const name = `pre-unknown-${randomBytes(3).toString('hex')}`;
    const handle = `no-such-snapshot-${randomBytes(4).toString('hex')}`;
    await env.kube.create(`${SNAP}/volumesnapshotcontents`, {
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshotContent',
      metadata: { name },
      spec: { deletionPolicy: 'Delete', driver: env.driverName, source: { snapshotHandle: handle }, volumeSnapshotRef: { name, namespace: ns } },
    }, signal());
    await env.kube.create(`${SNAP}/namespaces/${ns}/volumesnapshots`, {
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshot',
      metadata: { name },
      spec: { source: { volumeSnapshotContentName: name } },
    }, signal());
    const failed = await waitContent(env, name, (c) => c.status?.error?.message !== undefined, 'status.error');
    expect(failed.status?.readyToUse).not.toBe(true);
    const checks = env.proxy.calls('ListSnapshots').filter((c) => c.request['snapshot_id'] === handle);
    expect(checks.length).toBeGreaterThanOrEqual(1);
    // Not found is retried, if at all, on the back-off (200 ms doubling to 2 s), never hot.
    await sleep(5_000);
    const listed = env.proxy.calls('ListSnapshots').filter((c) => c.request['snapshot_id'] === handle);
    const spacing = backoffGaps(listed, 200, 2_000);
    expect({ gaps: spacing.gaps, ok: spacing.ok }).toEqual({ gaps: spacing.gaps, ok: true });
    expect(listed.length).toBeLessThanOrEqual(8);
    await env.kube.delete(`${SNAP}/namespaces/${ns}/volumesnapshots/${name}`, signal());
    await waitGone(env, contentPath(name));
    await waitGone(env, `${SNAP}/namespaces/${ns}/volumesnapshots/${name}`);
    expect(env.proxy.calls('DeleteSnapshot').filter((c) => c.request['snapshot_id'] === handle).map((c) => c.code)).toEqual([0]);
    recordRow('pre-provisioned, unknown handle', 'content with a snapshotHandle the driver never had (policy Delete)', `status.error; proxy: ${env.proxy.calls('ListSnapshots').filter((c) => c.request['snapshot_id'] === handle).length} ListSnapshots in all (gaps ${spacing.gaps.join('/')} ms), 1 DeleteSnapshot by the spec handle; content gone`);
  });
});
