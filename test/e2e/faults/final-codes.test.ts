// Fault suite: final driver answers on create (no hot loop, deletion still progresses) and the
// delete answers NotFound and FailedPrecondition, through the fault proxy in front of a private
// hostpathplugin. Assertions read the driver's own snapshots, the API objects and the proxy's log.
import { describe, expect, test } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { BEING_CREATED, backendFor, backoffGaps, recordRow, contentName, contentPath, signal, sleep, vsPath, waitContent, waitGone, waitReady, type FaultEnv } from './fault-world.js';
import { faultWorldPerFile } from './fault-world-per-file.js';

let env: FaultEnv;
faultWorldPerFile('final', (e) => (env = e));

describe('final CreateSnapshot answers', () => {
  test.each([
    ['AlreadyExists', grpc.status.ALREADY_EXISTS],
    ['Unimplemented', grpc.status.UNIMPLEMENTED],
  ])('%s: status.error, the being-created annotation removed, no hot loop; deleting still works', async (_n, code) => {
    const f = await env.fixture();
    const name = `snapshot-${f.snapshot.metadata.uid}`;
    env.proxy.on('CreateSnapshot', { match: (r) => r['name'] === name, action: { kind: 'error', code } });
    const failed = await waitContent(env, contentName(f), (c) => c.status?.error?.message !== undefined && c.metadata.annotations?.[BEING_CREATED] === undefined, 'status.error, no being-created annotation');
    expect(failed.status?.readyToUse).not.toBe(true);
    const first = env.proxy.calls('CreateSnapshot').filter((c) => c.request['name'] === name).length;
    // Retried, if at all, on the back-off (--retry-interval-start=200ms doubling to max=2s): in
    // 10 s that is at most ~8 calls; a hot loop would make hundreds.
    await sleep(10_000);
    const calls = env.proxy.calls('CreateSnapshot').filter((c) => c.request['name'] === name);
    expect(first).toBe(1);
    const spacing = backoffGaps(calls, 200, 2_000);
    expect({ gaps: spacing.gaps, ok: spacing.ok }).toEqual({ gaps: spacing.gaps, ok: true });
    expect(calls.length).toBeLessThanOrEqual(10);
    expect(calls.every((c) => c.code === code && !c.forwarded)).toBe(true);
    const deletesBefore = env.proxy.calls('DeleteSnapshot').length;
    await env.kube.delete(vsPath(f), signal());
    await waitGone(env, contentPath(contentName(f)));
    await waitGone(env, vsPath(f));
    expect(await backendFor(env, f)).toEqual([]);
    // No handle was ever recorded: nothing to delete on the driver.
    expect(env.proxy.calls('DeleteSnapshot').length).toBe(deletesBefore);
    recordRow(`final ${_n}`, `CreateSnapshot always answered ${_n}`, `status.error, being-created removed; proxy: ${calls.length} CreateSnapshot call(s) in 10 s after the error (gaps ${spacing.gaps.join('/')} ms); VolumeSnapshot deleted: content gone, 0 DeleteSnapshot, driver: 0 snapshots`);
  });
});

describe('DeleteSnapshot answers', () => {
  test('NotFound (the snapshot vanished on the backend): taken as deleted, content and VolumeSnapshot gone', async () => {
    const f = await env.fixture();
    const handle = (await waitReady(env, contentName(f))).status?.snapshotHandle ?? '';
    await env.direct.deleteSnapshot(handle, signal());
    env.proxy.on('DeleteSnapshot', { match: (r) => r['snapshot_id'] === handle, action: { kind: 'error', code: grpc.status.NOT_FOUND } });
    await env.kube.delete(vsPath(f), signal());
    await waitGone(env, contentPath(contentName(f)));
    await waitGone(env, vsPath(f));
    const calls = env.proxy.calls('DeleteSnapshot').filter((c) => c.request['snapshot_id'] === handle);
    expect(calls.map((c) => c.code)).toEqual([grpc.status.NOT_FOUND]);
    expect(await backendFor(env, f)).toEqual([]);
    recordRow('delete NotFound', 'snapshot removed on the driver, DeleteSnapshot answered NotFound', `content and VolumeSnapshot gone; proxy: ${calls.length} DeleteSnapshot; driver: 0 snapshots`);
  });

  test('FailedPrecondition twice: status.error while retrying, readyToUse never turned false, then deleted on the driver and gone', async () => {
    const f = await env.fixture();
    const handle = (await waitReady(env, contentName(f))).status?.snapshotHandle ?? '';
    env.proxy.on('DeleteSnapshot', { times: 2, match: (r) => r['snapshot_id'] === handle, action: { kind: 'error', code: grpc.status.FAILED_PRECONDITION, message: 'snapshot has dependent volumes' } });
    await env.kube.delete(vsPath(f), signal());
    const during = await waitContent(env, contentName(f), (c) => c.status?.error?.message !== undefined, 'status.error from the failed delete');
    expect(during.status?.readyToUse).toBe(true);
    await waitGone(env, contentPath(contentName(f)));
    await waitGone(env, vsPath(f));
    const calls = env.proxy.calls('DeleteSnapshot').filter((c) => c.request['snapshot_id'] === handle);
    expect(calls.map((c) => [c.code, c.forwarded])).toEqual([[grpc.status.FAILED_PRECONDITION, false], [grpc.status.FAILED_PRECONDITION, false], [0, true]]);
    expect(await backendFor(env, f)).toEqual([]);
    recordRow('delete FailedPrecondition', 'DeleteSnapshot answered FailedPrecondition twice', `status.error with readyToUse still true, then gone; proxy: ${calls.length} DeleteSnapshot (2 failed, 1 forwarded OK); driver: 0 snapshots`);
  });
});
