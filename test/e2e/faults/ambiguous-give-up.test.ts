// Fault suite: a create whose outcome the sidecar never learns (every CreateSnapshot answered
// Internal although the driver did make the snapshot) and a deletion requested meanwhile. Deletion
// must still progress: after --ambiguous-create-give-up the being-created annotation is released,
// the content goes, a Warning event names the snapshot that may remain, and
// csi_snapshotter_possible_orphans_total counts it. Driver: a private hostpathplugin behind the proxy.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { freePort } from '../../world/ports.js';
import { FAULT_FLAGS, backendFor, contentName, contentPath, recordRow, setupFaults, signal, vsPath, waitContent, waitGone, type FaultEnv } from './fault-world.js';

let env: FaultEnv;
let port: number;
beforeAll(async () => {
  port = await freePort();
  env = await setupFaults('ambig', { sidecarArgs: [...FAULT_FLAGS, '--ambiguous-create-give-up=8s', `--http-endpoint=127.0.0.1:${port}`] });
}, 60_000);
afterAll(async () => {
  await env?.close();
});

describe('ambiguous create errors after deletion was requested', () => {
  test('Internal for ever (the driver did the work): released after the give-up, content gone, Warning event, counted as a possible orphan', async () => {
    const f = await env.fixture();
    const name = `snapshot-${f.snapshot.metadata.uid}`;
    env.proxy.on('CreateSnapshot', { match: (r) => r['name'] === name, action: { kind: 'forward-then-error', code: grpc.status.INTERNAL, message: 'backend hiccup' } });
    await waitContent(env, contentName(f), (c) => c.status?.error?.message !== undefined, 'status.error from Internal');
    const deletedAt = Date.now();
    await env.kube.delete(vsPath(f), signal());
    await waitGone(env, contentPath(contentName(f)), 90_000);
    await waitGone(env, vsPath(f), 30_000);
    const heldMs = Date.now() - deletedAt;
    expect(heldMs).toBeGreaterThanOrEqual(7_000);
    const calls = env.proxy.calls('CreateSnapshot').filter((c) => c.request['name'] === name);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.every((c) => c.code === grpc.status.INTERNAL && c.driverCode === 0)).toBe(true);
    // The driver did make it (idempotent by name: one), and nobody learned its id: a possible orphan, said loudly.
    const onDriver = await backendFor(env, f);
    expect(onDriver).toHaveLength(1);
    const events = (await env.kube.get(`/api/v1/events?fieldSelector=involvedObject.name=${contentName(f)}`, signal())) as { items: { reason: string; type: string; message: string }[] };
    const abandoned = events.items.filter((e) => e.reason === 'SnapshotCreationAbandoned');
    expect(abandoned.map((e) => e.type)).toEqual(['Warning']);
    expect(abandoned[0]?.message).toContain(name);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const orphanLine = metrics.split('\n').find((l) => l.startsWith('csi_snapshotter_possible_orphans_total{') && l.includes('VolumeSnapshotContent'));
    expect(orphanLine?.trim().endsWith(' 1')).toBe(true);
    recordRow('ambiguous create, deletion requested', 'every CreateSnapshot forwarded, then answered Internal; VolumeSnapshot deleted; --ambiguous-create-give-up=8s', `content gone ${Math.round(heldMs / 1000)} s after the delete; Warning SnapshotCreationAbandoned naming ${name}; possible_orphans_total 1; proxy: ${calls.length} CreateSnapshot (all Internal, driver OK); driver: 1 snapshot (the possible orphan)`);
    await env.direct.deleteSnapshot(onDriver[0]?.snapshot_id ?? '', signal());
  }, 150_000);
});
