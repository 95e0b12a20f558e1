// Fault suite: the kube-apiserver process stopped for 60 s while creates are in flight, then started
// again (same binary, same flags, same port and etcd). Destructive, so this file starts a PRIVATE
// world (etcd, kube-apiserver, CRDs, snapshot-controller) and a private hostpathplugin behind the
// fault proxy. What must hold: our sidecar does not crash (it keeps running, or exits cleanly and
// is restarted, as a kubelet would), every snapshot finishes, exactly one backend snapshot per
// VolumeSnapshot, and deleting them all leaves the driver empty.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startWorld, type World } from '../../world/world.js';
import { KubeRest } from '../../world/kube-rest.js';
import type { SnapshotFixture } from '../../world/fixtures.js';
import { eventually } from '../../support/polling.js';
import { BEING_DELETED, CONTENT_FINALIZER, SNAP, backendFor, recordRow, contentName, contentPath, getOrUndefined, setupFaults, signal, sleep, vsPath, waitGone, waitReady, type FaultEnv } from './fault-world.js';

const OUTAGE_MS = 60_000;
const N = 6;

let world: World;
let env: FaultEnv;
let respawned: ChildProcess | undefined;

beforeAll(async () => {
  world = await startWorld({ runDir: fs.mkdtempSync(path.join(os.tmpdir(), 'faults-apiworld-')), drivers: [] });
  env = await setupFaults('apisrv', { world: world.toJson() });
}, 180_000);

afterAll(async () => {
  await env?.close();
  if (respawned && respawned.exitCode === null && respawned.signalCode === null) {
    const exited = new Promise((r) => respawned?.once('exit', r));
    respawned.kill('SIGTERM');
    const timer = setTimeout(() => respawned?.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  await world?.stop();
});

/** Gone, or a zombie not yet reaped. */
function processGone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

describe('kube-apiserver stopped for 60 s', () => {
  test('creates in flight during the outage: no crash, every snapshot ready, one backend snapshot each, all deleted afterwards', async () => {
    const fixtures: SnapshotFixture[] = [];
    for (let i = 0; i < N; i++) fixtures.push(await env.fixture({ namespace: 'outage' }));
    const names = new Set(fixtures.map((f) => `snapshot-${f.snapshot.metadata.uid}`));
    // Every create answer is held 4 s, so status writes fall into the outage.
    env.proxy.on('CreateSnapshot', { times: N, match: (r) => names.has(String(r['name'])), delayMs: 4_000 });
    await eventually('a CreateSnapshot in flight', async () => (env.proxy.calls('CreateSnapshot').some((c) => names.has(String(c.request['name'])) && c.outcome === 'pending') ? true : undefined), { timeoutMs: 60_000 });

    const pid = world.toJson().pids['kube-apiserver'] ?? 0;
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
    const [binary, ...args] = argv;
    expect(binary).toBe(world.manifest.binaries['kube-apiserver']);
    // SIGTERM, and SIGKILL if it still drains after 10 s.
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && !processGone(pid); i++) await sleep(100);
    if (!processGone(pid)) process.kill(pid, 'SIGKILL');
    await eventually('kube-apiserver gone', async () => (processGone(pid) ? true : undefined), { timeoutMs: 30_000 });
    const stoppedAt = Date.now();
    await sleep(OUTAGE_MS);
    const log = fs.openSync(path.join(world.runDir, 'kube-apiserver-restarted.log'), 'a');
    respawned = spawn(binary ?? '', args, { stdio: ['ignore', log, log], detached: true });
    fs.closeSync(log);
    const admin = await KubeRest.fromKubeconfig({ kubeconfig: world.kubeconfig, userAgent: 'faults/outage' });
    await eventually('kube-apiserver ready again', async () => ((await admin.get('/readyz', signal())) === 'ok' ? true : undefined), { timeoutMs: 90_000 });
    const downMs = Date.now() - stoppedAt;
    expect(downMs).toBeGreaterThanOrEqual(OUTAGE_MS);

    // No crash: still running, or a clean exit (code 0/1 with a termination message) we restart.
    const sidecar = env.sidecar;
    const exitCode = sidecar.process.exitCode;
    const restarted = exitCode !== null || sidecar.process.signalCode !== null;
    if (restarted) {
      expect(sidecar.process.signalCode).toBeNull();
      expect([0, 1]).toContain(exitCode);
      env.startSidecar();
    }
    process.stdout.write(`apiserver outage ${downMs} ms: sidecar ${restarted ? `exited with code ${exitCode} and was restarted` : 'kept running'}\n`);

    for (const f of fixtures) await waitReady(env, contentName(f), 120_000);
    // Two contents created after the outage: our watches work again. Created directly (a class, a
    // volume, a made-up VolumeSnapshot uid) because the upstream snapshot-controller itself needs
    // ~80 s after an outage before it creates contents again (its reflector back-off).
    const direct: string[] = [];
    for (let i = 0; i < 2; i++) {
      const name = `after-outage-${i}-${Date.now().toString(36)}`;
      const vol = await env.direct.createVolume({ name }, signal());
      await env.kube.create(`${SNAP}/volumesnapshotclasses`, { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name }, driver: env.driverName, deletionPolicy: 'Delete' }, signal());
      await env.kube.create(`${SNAP}/volumesnapshotcontents`, {
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshotContent',
        metadata: { name, finalizers: [CONTENT_FINALIZER] },
        spec: { deletionPolicy: 'Delete', driver: env.driverName, source: { volumeHandle: vol.volume_id }, volumeSnapshotClassName: name, volumeSnapshotRef: { kind: 'VolumeSnapshot', name: `vs-${name}`, namespace: 'default', uid: `uid-${name}` } },
      }, signal());
      direct.push(name);
    }
    for (const name of direct) await waitReady(env, name, 60_000);
    for (const f of fixtures) {
      const handle = (await getOrUndefined<{ status?: { snapshotHandle?: string } }>(env.kube, contentPath(contentName(f))))?.status?.snapshotHandle;
      expect((await backendFor(env, f)).map((s) => s.snapshot_id)).toEqual([handle]);
    }
    expect(await env.backend()).toHaveLength(fixtures.length + direct.length);

    for (const f of fixtures) await env.kube.delete(vsPath(f), signal());
    // The direct contents have no VolumeSnapshot: we play the snapshot-controller's part.
    for (const name of direct) {
      await env.kube.mergePatch(contentPath(name), { metadata: { annotations: { [BEING_DELETED]: 'yes' } } }, signal());
      await env.kube.delete(contentPath(name), signal());
    }
    for (const f of fixtures) await waitGone(env, contentPath(contentName(f)), 120_000);
    for (const name of direct) await waitGone(env, contentPath(name), 60_000);
    expect(await env.backend()).toEqual([]);
    recordRow('kube-apiserver stopped 60 s', `kube-apiserver killed for ${downMs} ms with ${N} creates in flight (answers held 4 s), restarted with the same flags`, `sidecar ${restarted ? `exited ${exitCode} (clean) and was restarted` : 'kept running'}; all ${fixtures.length + direct.length} ready (2 created after); driver: 1 snapshot each, ${fixtures.length + direct.length} in all; after deleting all: 0`);
  }, 420_000);
});
