// src/kube against the real kube-apiserver of the test world (TESTWORLD=<run dir>/world.json;
// missing is a loud failure, never a skip). Objects get unique names and a per-run label, and are
// removed afterwards (finalizers first).

import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { systemClock } from '../../../src/base/clock.js';
import { EventRecorder } from '../../../src/kube/event-recorder.js';
import { Informer, type InformerEventType } from '../../../src/kube/informer.js';
import { isConflict, isInvalid, isNotFound } from '../../../src/kube/kube-api-error.js';
import { loadKubeConfig } from '../../../src/kube/kube-config.js';
import { KubeTransport } from '../../../src/kube/kube-transport.js';
import { ResourceClient } from '../../../src/kube/resource-client.js';
import { apiVersionOf, VOLUME_SNAPSHOT_CONTENT } from '../../../src/kube/resources.js';
import { SecretReader } from '../../../src/kube/secret-reader.js';
import type { SidecarKubeConfig } from '../../../src/kube/sidecar-kube-config.js';
import type { VolumeSnapshotContent } from '../../../src/kube/types.js';
import { loadWorld, type WorldJson } from '../../support/world-handle.js';
import { openGate } from '../../support/open-gate.js';
import { waitFor } from '../../support/polling.js';

jest.setTimeout(60_000);

const RUN = `itkube-${process.pid}-${Date.now().toString(36)}`;
const RUN_LABEL = 'csi-snapshotter.test/run';
const DRIVER = 'it-kube.csi.example.com';

let world: WorldJson;
let kc: SidecarKubeConfig;
let transport: KubeTransport;
let client: ResourceClient<VolumeSnapshotContent>;
const created = new Set<string>();

const sig = (): AbortSignal => AbortSignal.timeout(20_000);

function content(suffix: string, extra: { finalizers?: string[]; annotations?: Record<string, string> } = {}): VolumeSnapshotContent {
  return {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshotContent',
    metadata: { name: `${RUN}-${suffix}`, labels: { [RUN_LABEL]: RUN }, ...extra },
    spec: {
      deletionPolicy: 'Delete',
      driver: DRIVER,
      source: { volumeHandle: `vol-${suffix}` },
      volumeSnapshotRef: { name: `snap-${suffix}`, namespace: 'default' },
    },
  };
}

async function create(suffix: string, extra: Parameters<typeof content>[1] = {}): Promise<VolumeSnapshotContent> {
  const obj = await client.create(content(suffix, extra), sig());
  created.add(obj.metadata.name);
  return obj;
}

/** Waits on the real apiserver (its audit log, a watch) get a generous deadline. */
const ON_APISERVER = { timeoutMs: 20_000, intervalMs: 20 };

beforeAll(() => {
  world = loadWorld();
  kc = loadKubeConfig({ kubeconfigPath: world.kubeconfig, env: {}, userAgent: 'csi-snapshotter/integration-test', gate: openGate });
  transport = new KubeTransport({ kubeConfig: kc, clock: systemClock });
  client = new ResourceClient<VolumeSnapshotContent>(transport, VOLUME_SNAPSHOT_CONTENT);
});

afterAll(async () => {
  for (const name of created) {
    try {
      await client.patch(name, { type: 'merge', body: { metadata: { finalizers: null } } }, { signal: sig() });
      await transport.requestJson({ method: 'DELETE', path: client.objectPath(name), signal: sig() });
    } catch {
      // already gone
    }
  }
  await kc?.close();
});

describe('ResourceClient on a real VolumeSnapshotContent', () => {
  test('create, get, status patch with an exact int64 creationTime, and PUT status conflicts on a stale RV', async () => {
    const obj = await create('crud');
    const got = await client.get(obj.metadata.name, sig());
    expect(got.spec.source.volumeHandle).toBe('vol-crud');

    const ns = 1700000000123456789n; // > 2^53: a number would round it
    const patched = await client.patch(
      obj.metadata.name,
      { type: 'merge', body: { status: { creationTime: ns, readyToUse: true, snapshotHandle: 'snap-1', restoreSize: 1024 } } },
      { subresource: 'status', signal: sig() },
    );
    expect(patched.status?.creationTime).toBe(ns);
    expect((await client.get(obj.metadata.name, sig())).status?.creationTime).toBe(ns);
    // What the apiserver stored, read by another client: the exact digits.
    const raw = execFileSync(world.kubectl, ['--kubeconfig', world.kubeconfig, 'get', '--raw', client.objectPath(obj.metadata.name)], { encoding: 'utf8' });
    expect(raw).toContain('"creationTime":1700000000123456789');

    const stale = got; // RV from before the status patch
    const err = await client
      .replaceStatus({ ...stale, status: { readyToUse: false } }, sig())
      .catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);

    const fresh = await client.get(obj.metadata.name, sig());
    const cleared = await client.replaceStatus({ ...fresh, status: { readyToUse: false, snapshotHandle: 'snap-1' } }, sig());
    expect(cleared.status).toEqual({ readyToUse: false, snapshotHandle: 'snap-1' });
  });

  test('a merge patch of one annotation leaves a concurrently added annotation intact', async () => {
    const obj = await create('annot');
    const name = obj.metadata.name;
    // Someone else adds theirs after we read the object…
    await client.patch(name, { type: 'merge', body: { metadata: { annotations: { 'other.example.com/theirs': 'x' } } } }, { signal: sig() });
    // …and our single-key patches neither need nor clobber it.
    const ours = 'snapshot.storage.kubernetes.io/volumesnapshot-being-created';
    const added = await client.patch(name, { type: 'merge', body: { metadata: { annotations: { [ours]: 'yes' } } } }, { signal: sig() });
    expect(added.metadata.annotations).toEqual({ 'other.example.com/theirs': 'x', [ours]: 'yes' });
    const removed = await client.patch(name, { type: 'merge', body: { metadata: { annotations: { [ours]: null } } } }, { signal: sig() });
    expect(removed.metadata.annotations).toEqual({ 'other.example.com/theirs': 'x' });
  });

  test('a JSON patch removes a finalizer by index guarded by a test op; a failed test (stale RV) is 422', async () => {
    const ours = 'snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection';
    const obj = await create('fin', { finalizers: ['other.example.com/keep', ours] });
    const name = obj.metadata.name;
    const after = await client.patch(
      name,
      { type: 'json', ops: [{ op: 'test', path: '/metadata/finalizers/1', value: ours }, { op: 'remove', path: '/metadata/finalizers/1' }] },
      { signal: sig() },
    );
    expect(after.metadata.finalizers).toEqual(['other.example.com/keep']);

    const err = await client
      .patch(
        name,
        { type: 'json', ops: [{ op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion }, { op: 'remove', path: '/metadata/finalizers/0' }] },
        { signal: sig() },
      )
      .catch((e: unknown) => e);
    expect(isInvalid(err)).toBe(true);
    expect((await client.get(name, sig())).metadata.finalizers).toEqual(['other.example.com/keep']);
  });
});

describe('request identity', () => {
  test('the apiserver audit log attributes our requests to the csi-snapshotter User-Agent', async () => {
    const marker = `${RUN}-audit-marker`;
    const err = await client.get(marker, sig()).catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
    let entry: { userAgent?: string } | undefined;
    await waitFor(() => {
      const line = fs.readFileSync(world.auditLog, 'utf8').split('\n').find((l) => l.includes(marker));
      entry = line === undefined ? undefined : (JSON.parse(line) as { userAgent?: string });
      return entry !== undefined;
    }, 'audit entry', ON_APISERVER);
    expect(entry?.userAgent).toBe('csi-snapshotter/integration-test');
  });
});

describe('Informer on the real apiserver', () => {
  test('sees add, update and delete of labelled objects, with old objects from its cache', async () => {
    const informer = new Informer<VolumeSnapshotContent>({ client, transport, clock: systemClock, labelSelector: `${RUN_LABEL}=${RUN}-inf` });
    const seen: Array<{ type: InformerEventType; oldRv: string | undefined; newRv: string | undefined; name: string }> = [];
    informer.onEvent((type, oldObj, newObj) =>
      seen.push({ type, name: newObj.metadata.name, oldRv: oldObj?.metadata.resourceVersion, newRv: newObj.metadata.resourceVersion }),
    );
    const stop = new AbortController();
    const running = informer.run(stop.signal);
    try {
      await informer.waitForSync(sig());
      const obj = content('inf');
      const made = await client.create({ ...obj, metadata: { ...obj.metadata, labels: { [RUN_LABEL]: `${RUN}-inf` } } }, sig());
      created.add(made.metadata.name);
      await waitFor(() => seen.some((s) => s.type === 'ADDED'), 'ADDED', ON_APISERVER);
      const updated = await client.patch(made.metadata.name, { type: 'merge', body: { metadata: { annotations: { a: 'b' } } } }, { signal: sig() });
      await waitFor(() => seen.some((s) => s.type === 'MODIFIED'), 'MODIFIED', ON_APISERVER);
      await transport.requestJson({ method: 'DELETE', path: client.objectPath(made.metadata.name), signal: sig() });
      await waitFor(() => seen.some((s) => s.type === 'DELETED'), 'DELETED', ON_APISERVER);
      expect(seen).toEqual([
        { type: 'ADDED', name: made.metadata.name, oldRv: undefined, newRv: made.metadata.resourceVersion },
        { type: 'MODIFIED', name: made.metadata.name, oldRv: made.metadata.resourceVersion, newRv: updated.metadata.resourceVersion },
        expect.objectContaining({ type: 'DELETED', name: made.metadata.name, oldRv: updated.metadata.resourceVersion }),
      ]);
      expect(informer.get(made.metadata.name)).toBeUndefined();
      // The list was a streaming one (WatchList): a watch with sendInitialEvents, no LIST request.
      const mine = fs
        .readFileSync(world.auditLog, 'utf8')
        .split('\n')
        .filter((l) => l.includes(`${RUN}-inf`))
        .map((l) => JSON.parse(l) as { verb: string; requestURI: string });
      expect(mine.filter((e) => e.verb === 'list')).toEqual([]);
      expect(mine.filter((e) => e.verb === 'watch' && e.requestURI.includes('sendInitialEvents=true')).length).toBeGreaterThanOrEqual(1);
    } finally {
      stop.abort();
      await running;
    }
  });
});

describe('EventRecorder and SecretReader on the real apiserver', () => {
  test('a Warning lands in namespace default and a repeat increments count on the same Event', async () => {
    const obj = await create('evt');
    const recorder = new EventRecorder({ transport, clock: systemClock, component: `csi-snapshotter ${DRIVER}` });
    try {
      const target = {
        apiVersion: apiVersionOf(VOLUME_SNAPSHOT_CONTENT),
        kind: VOLUME_SNAPSHOT_CONTENT.kind,
        name: obj.metadata.name,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      };
      recorder.warning(target, 'SnapshotCreationFailed', 'Failed to create snapshot: integration');
      recorder.warning(target, 'SnapshotCreationFailed', 'Failed to create snapshot: integration');
      await recorder.flush(sig());
      const events = (await transport.requestJson({
        method: 'GET',
        path: '/api/v1/namespaces/default/events',
        query: { fieldSelector: `involvedObject.name=${obj.metadata.name}` },
        signal: sig(),
      })) as { items: Array<{ reason: string; count: number; type: string; source: { component: string }; involvedObject: { uid: string } }> };
      expect(events.items).toHaveLength(1);
      expect(events.items[0]).toMatchObject({
        reason: 'SnapshotCreationFailed',
        type: 'Warning',
        count: 2,
        source: { component: `csi-snapshotter ${DRIVER}` },
        involvedObject: { uid: obj.metadata.uid },
      });
    } finally {
      await recorder.close();
    }
  });

  test('secret data is read and decoded; a missing secret is SecretNotFound', async () => {
    const name = `${RUN}-secret`;
    await transport.requestJson({
      method: 'POST',
      path: '/api/v1/namespaces/default/secrets',
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { user: 'admin' } },
      signal: sig(),
    });
    try {
      const reader = new SecretReader(transport);
      expect(await reader.getSecretData('default', name, sig())).toEqual({ user: 'admin' });
      const err = await reader.getSecretData('default', `${name}-missing`, sig()).catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe('SecretNotFound');
    } finally {
      await transport.requestJson({ method: 'DELETE', path: `/api/v1/namespaces/default/secrets/${name}`, signal: sig() });
    }
  });
});
