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
import { eventually } from '../../support/sidecar-process.js';
import { backendFor, contentName, contentPath, getOrUndefined, setupFaults, signal, sleep, vsPath, waitGone, waitReady, type FaultEnv } from './fault-world.js';

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
    respawned.kill('SIGTERM');
    await new Promise((r) => respawned?.once('exit', r));
  }
  await world?.stop();
});

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
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
    process.kill(pid, 'SIGTERM');
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

    // Two more after the outage: the watches work again.
    for (let i = 0; i < 2; i++) fixtures.push(await env.fixture({ namespace: 'outage' }));
    for (const f of fixtures) await waitReady(env, contentName(f), 120_000);
    for (const f of fixtures) {
      const handle = (await getOrUndefined<{ status?: { snapshotHandle?: string } }>(env.kube, contentPath(contentName(f))))?.status?.snapshotHandle;
      expect((await backendFor(env, f)).map((s) => s.snapshot_id)).toEqual([handle]);
    }
    expect(await env.backend()).toHaveLength(fixtures.length);

    for (const f of fixtures) await env.kube.delete(vsPath(f), signal());
    for (const f of fixtures) await waitGone(env, contentPath(contentName(f)), 120_000);
    expect(await env.backend()).toEqual([]);
  }, 420_000);
});
