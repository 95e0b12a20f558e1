// API requests per snapshot, counted by the real kube-apiserver's audit log (every request at
// Metadata level), ours next to the upstream csi-snapshotter v8.6.0 built from Go modules, each on
// its own csi-driver-host-path driver in the same world. Only requests naming the snapshot's content are counted
// (list/watch are shared by all objects and reported apart).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startCsiDriver, type CsiDriver } from '../world/csi-driver.js';
import { createSnapshotFixture, type SnapshotFixture } from '../world/fixtures.js';
import { CsiAdmin } from '../world/csi-admin.js';
import { SNAP, eventually, setupE2E, signal, waitForGone, waitForReadyContent, type E2E } from './e2e-harness.js';

interface AuditEvent {
  readonly stage: string;
  readonly verb: string;
  readonly userAgent?: string;
  readonly requestReceivedTimestamp: string;
  readonly objectRef?: { readonly resource?: string; readonly name?: string; readonly subresource?: string };
}

function requestsFor(auditLog: string, uaPrefix: string, contentName: string): readonly string[] {
  return fs
    .readFileSync(auditLog, 'utf8')
    .split('\n')
    .filter((l) => l.includes(contentName))
    .map((l) => JSON.parse(l) as AuditEvent)
    .filter((e) => e.stage === 'ResponseComplete' && (e.userAgent ?? '').startsWith(uaPrefix) && e.objectRef?.name === contentName)
    .map((e) => `${e.verb} ${e.objectRef?.resource ?? ''}${e.objectRef?.subresource ? '/' + e.objectRef.subresource : ''}`);
}

let e2e: E2E;
let upstreamDriver: CsiDriver;
let upstream: ReturnType<typeof spawn>;
let upstreamCsi: CsiAdmin;
const upstreamDriverName = 'upstream.e2e.csi.test';

beforeAll(async () => {
  e2e = await setupE2E('apireq');
  upstreamDriver = await startCsiDriver({ kind: 'hostpath', binary: e2e.world.hostpathPlugin, driverName: upstreamDriverName, socketDir: e2e.dir, logDir: e2e.dir, csiProto: e2e.world.csiProto });
  upstreamCsi = CsiAdmin.open({ endpoint: upstreamDriver.endpoint, csiProto: e2e.world.csiProto });
  const log = fs.openSync(path.join(e2e.dir, 'upstream.log'), 'a');
  upstream = spawn(e2e.world.upstreamSnapshotter, [`--kubeconfig=${e2e.world.kubeconfig}`, `--csi-address=${upstreamDriver.endpoint}`, '--v=4'], { stdio: ['ignore', log, log] });
}, 60_000);

afterAll(async () => {
  upstream?.kill('SIGKILL');
  upstreamCsi?.close();
  await upstreamDriver?.process.stop();
  await e2e?.close();
});

async function createDeleteAndCount(driverName: string, csi: CsiAdmin, uaPrefix: string): Promise<{ create: readonly string[]; delete: readonly string[] }> {
  const f: SnapshotFixture = await createSnapshotFixture({ kube: e2e.kube, csi, driverName, signal: signal() });
  const name = `snapcontent-${f.snapshot.metadata.uid}`;
  await waitForReadyContent(e2e, name);
  // Let late writes (e.g. upstream's annotation removal after the status write) land.
  await new Promise((r) => setTimeout(r, 1500));
  const create = requestsFor(e2e.world.auditLog, uaPrefix, name);
  await e2e.kube.delete(`${SNAP}/namespaces/${f.namespace}/volumesnapshots/${f.snapshot.metadata.name}`, signal());
  await waitForGone(e2e, `${SNAP}/volumesnapshotcontents/${name}`);
  await new Promise((r) => setTimeout(r, 1500));
  const all = requestsFor(e2e.world.auditLog, uaPrefix, name);
  return { create, delete: all.slice(create.length) };
}

test('ours: ≤ 3 API requests per dynamic snapshot and ≤ 2 per delete, fewer than upstream v8.6.0 in the same world', async () => {
  const ours = await createDeleteAndCount(e2e.driverName, e2e.csi, 'csi-snapshotter/');
  await eventually('upstream sidecar running', async () => (upstream.exitCode === null ? true : undefined));
  const theirs = await createDeleteAndCount(upstreamDriverName, upstreamCsi, 'csi-snapshotter-upstream');
  const report = { ours, upstream: theirs };
  fs.writeFileSync(path.join(e2e.dir, 'api-requests.json'), JSON.stringify(report, null, 1));
  process.stderr.write(`API requests per snapshot: ${JSON.stringify(report)}\n`);
  expect(ours.create).toEqual(['patch volumesnapshotcontents', 'patch volumesnapshotcontents/status', 'patch volumesnapshotcontents']);
  expect(ours.delete.length).toBeLessThanOrEqual(2);
  expect(theirs.create.length).toBeGreaterThan(0);
  expect(ours.create.length).toBeLessThan(theirs.create.length);
  expect(ours.delete.length).toBeLessThan(theirs.delete.length);
}, 120_000);
