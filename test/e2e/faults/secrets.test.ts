// Fault suite: Secrets of a snapshot class — missing, late, forbidden — and a sentinel secret value
// at --v=10 that must appear in no log line, event, status or metric of ours, while the proxy's log
// proves it did reach the driver. Driver: a private hostpathplugin behind the fault proxy.
import { describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createNamespace } from '../../world/fixtures.js';
import { freePort } from '../../world/ports.js';
import { createSidecarIdentity } from '../../integration/rbac/sidecar-identity.js';
import { FAULT_FLAGS, BEING_CREATED, recordRow, backendFor, contentName, contentPath, signal, vsPath, waitContent, waitGone, waitReady, type Content, type FaultEnv } from './fault-world.js';
import { faultWorldPerFile } from './fault-world-per-file.js';

let env: FaultEnv;
faultWorldPerFile('secret', (e) => (env = e));

const secretParams = (ns: string, name: string): Record<string, string> => ({
  'csi.storage.k8s.io/snapshotter-secret-name': name,
  'csi.storage.k8s.io/snapshotter-secret-namespace': ns,
});
const newNs = (p: string): string => `${p}-${randomBytes(3).toString('hex')}`;

describe('Secrets', () => {
  test('missing, then created late: error naming it and no CreateSnapshot meanwhile; then ready, the driver got the secret', async () => {
    const ns = newNs('late');
    const f = await env.fixture({ namespace: ns, classParameters: secretParams(ns, 'creds') });
    const name = `snapshot-${f.snapshot.metadata.uid}`;
    const failed = await waitContent(env, contentName(f), (c) => c.status?.error?.message?.includes(`${ns}/creds`) === true, 'status.error naming the Secret');
    expect(failed.status?.readyToUse).not.toBe(true);
    expect(env.proxy.calls('CreateSnapshot').filter((c) => c.request['name'] === name)).toEqual([]);
    await env.kube.create(`/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'creds' }, stringData: { user: 'u1' } }, signal());
    const ready = await waitReady(env, contentName(f));
    const calls = env.proxy.calls('CreateSnapshot').filter((c) => c.request['name'] === name && c.code === 0);
    expect(calls[0]?.request['secrets']).toEqual({ user: 'u1' });
    expect((await backendFor(env, f)).map((s) => s.snapshot_id)).toEqual([ready.status?.snapshotHandle]);
    recordRow('Secret missing, then late', 'class names a Secret that does not exist; created later', `status.error naming it, 0 CreateSnapshot while missing; ready after; proxy: the OK CreateSnapshot carried the secret; driver: 1 snapshot`);
  });

  test('missing, and the VolumeSnapshot deleted before it appears: the content goes away, nothing on the driver', async () => {
    const ns = newNs('gone');
    const f = await env.fixture({ namespace: ns, classParameters: secretParams(ns, 'never') });
    await waitContent(env, contentName(f), (c) => c.status?.error?.message?.includes(`${ns}/never`) === true, 'status.error naming the Secret');
    await env.kube.delete(vsPath(f), signal());
    await waitGone(env, contentPath(contentName(f)));
    await waitGone(env, vsPath(f));
    expect(await backendFor(env, f)).toEqual([]);
    recordRow('Secret missing, VolumeSnapshot deleted', 'class names a Secret that never appears; VolumeSnapshot deleted', `content and VolumeSnapshot gone; proxy: ${env.proxy.calls('CreateSnapshot').filter((c) => c.request['name'] === `snapshot-${f.snapshot.metadata.uid}`).length} CreateSnapshot; driver: 0 snapshots`);
  });

  test('forbidden (the sidecar identity may not get secrets), then granted: error, then ready', async () => {
    const ns = newNs('forbid');
    await createNamespace(env.kube, ns, signal());
    const identity = await createSidecarIdentity({
      kube: env.kube,
      adminKubeconfig: env.world.kubeconfig,
      namespace: ns,
      id: randomBytes(3).toString('hex'),
      remove: { scope: 'clusterrole', apiGroup: '', resource: 'secrets', verb: 'get' },
      dir: env.dir,
      signal: signal(),
    });
    try {
      await env.sidecar.stop(5_000);
      env.startSidecar(FAULT_FLAGS, {}, identity.kubeconfig);
      await env.kube.create(`/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'creds' }, stringData: { user: 'u2' } }, signal());
      const f = await env.fixture({ namespace: ns, classParameters: secretParams(ns, 'creds') });
      const failed = await waitContent(env, contentName(f), (c) => /forbidden/i.test(c.status?.error?.message ?? ''), 'status.error: forbidden');
      expect(failed.status?.error?.message).toContain(`${ns}/creds`);
      expect(env.proxy.calls('CreateSnapshot').filter((c) => c.request['name'] === `snapshot-${f.snapshot.metadata.uid}`)).toEqual([]);
      // Grant get on secrets in this namespace only.
      const rbac = '/apis/rbac.authorization.k8s.io/v1';
      await env.kube.create(`${rbac}/namespaces/${ns}/roles`, { metadata: { name: 'read-creds' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] }, signal());
      const sa = identity.username.split(':').at(-1) ?? '';
      await env.kube.create(`${rbac}/namespaces/${ns}/rolebindings`, { metadata: { name: 'read-creds' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-creds' }, subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }] }, signal());
      const ready = await waitReady(env, contentName(f));
      expect((await backendFor(env, f)).map((s) => s.snapshot_id)).toEqual([ready.status?.snapshotHandle]);
      recordRow('Secret forbidden, then granted', 'sidecar identity from manifests/rbac.yaml minus get secrets; a Role granted later', 'status.error "forbidden" naming the Secret, 0 CreateSnapshot meanwhile; ready after the grant; driver: 1 snapshot');
    } finally {
      await env.sidecar.stop(5_000);
      await identity.dispose(signal());
      env.startSidecar();
    }
  });

  test('a sentinel secret value at --v=10: reaches the driver on create and delete, appears in no log line, event, status or metric', async () => {
    const port = await freePort();
    await env.sidecar.stop(5_000);
    const verbose = env.startSidecar([...FAULT_FLAGS.filter((a) => !a.startsWith('--v=')), '--v=10', `--http-endpoint=127.0.0.1:${port}`]);
    const ns = newNs('sentinel');
    const sentinel = `S3NT1NEL-${randomBytes(8).toString('hex')}`;
    await createNamespace(env.kube, ns, signal());
    await env.kube.create(`/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'creds' }, stringData: { password: sentinel } }, signal());
    env.proxy.on('CreateSnapshot', { times: 1, match: (r) => JSON.stringify(r['secrets'] ?? {}).includes(sentinel), action: { kind: 'error', code: 14, message: 'backend busy' } });
    const f = await env.fixture({
      namespace: ns,
      classParameters: {
        ...secretParams(ns, 'creds'),
        'csi.storage.k8s.io/snapshotter-list-secret-name': 'creds',
        'csi.storage.k8s.io/snapshotter-list-secret-namespace': ns,
      },
    });
    const seen: Content[] = [];
    // One retryable failure on the way, so an error status and a Warning event are written too.
    seen.push(await waitContent(env, contentName(f), (c) => c.status?.error?.message !== undefined, 'status.error from the injected Unavailable'));
    seen.push(await waitReady(env, contentName(f)));
    const handle = seen[1]?.status?.snapshotHandle ?? '';
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    await env.kube.delete(vsPath(f), signal());
    await waitGone(env, contentPath(contentName(f)));
    // It did flow: the driver got the value on create and on delete.
    const withSecret = env.proxy.calls().filter((c) => JSON.stringify(c.request['secrets'] ?? {}).includes(sentinel));
    expect(withSecret.map((c) => c.method)).toEqual(expect.arrayContaining(['CreateSnapshot', 'DeleteSnapshot']));
    expect(env.proxy.calls('DeleteSnapshot').some((c) => c.request['snapshot_id'] === handle && c.code === 0)).toBe(true);
    // And nowhere of ours.
    await env.sidecar.stop(5_000);
    const logText = fs.readFileSync(verbose.logFile, 'utf8');
    expect(logText.split('\n').length).toBeGreaterThan(50); // --v=10 did log a lot
    expect(logText).not.toContain(sentinel);
    expect(metrics).toContain('csi_sidecar_operations_seconds');
    expect(metrics).not.toContain(sentinel);
    for (const c of seen) expect(JSON.stringify(c)).not.toContain(sentinel);
    const events = (await env.kube.get('/api/v1/events', signal())) as { items: { involvedObject: { name: string } }[] };
    expect(events.items.some((e) => e.involvedObject.name === contentName(f))).toBe(true);
    expect(JSON.stringify(events)).not.toContain(sentinel);
    expect(seen[1]?.metadata.annotations?.[BEING_CREATED]).toBeUndefined();
    recordRow('secret sentinel at --v=10', 'Secret value a random sentinel; one Unavailable on the way (error status + event)', `proxy: ${withSecret.length} calls carried it (${[...new Set(withSecret.map((c) => c.method))].join(', ')}); found in 0 of ${logText.split('\n').length} log lines, 0 events, 0 statuses, 0 metric lines`);
    env.startSidecar();
  });
});
