// --leader-election against the test world's real apiserver, with replicas as real processes in
// their own UTS namespaces (hostname = identity) sharing one csi-driver-host-path driver per test:
// exactly one replica leads and acts, kill -9 and SIGTERM failover (times are printed, not
// asserted), a stolen Lease ends the leader with exit 1, and the mixed case: upstream's
// csi-snapshotter and ours share `external-snapshotter-leader-<driver>` and exclude each other.
// Needs TESTWORLD (make test sets it) and a built sidecar (npm run build).

import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { cleanupsAfterEach } from '../../support/cleanups.js';
import { eventually } from '../../support/polling.js';
import { loadWorld, type WorldJson } from '../../support/world-handle.js';
import { CsiAdmin } from '../../world/csi-admin.js';
import { startCsiDriver, type CsiDriver } from '../../world/csi-driver.js';
import { KubeRequestError, KubeRest } from '../../world/kube-rest.js';
import { leaderGauge, startReplica, type Replica, type ReplicaKind } from './replica.js';

const ELECTION_ARGS = ['--leader-election-lease-duration=4s', '--leader-election-renew-deadline=3s', '--leader-election-retry-period=1s'];
const SNAP = '/apis/snapshot.storage.k8s.io/v1';
const LEASES = '/apis/coordination.k8s.io/v1/namespaces/default/leases';
const CREATE_SNAPSHOT_CALL = /"GRPC call" method="\/csi\.v1\.Controller\/CreateSnapshot"/g;

interface LeaseObject {
  readonly metadata: { readonly resourceVersion: string };
  readonly spec?: { readonly holderIdentity?: string; readonly leaseDurationSeconds?: number };
}

interface TestEnv {
  readonly driver: CsiDriver;
  readonly dir: string;
  readonly admin: CsiAdmin;
  readonly className: string;
  readonly leasePath: string;
  readonly replicas: Replica[];
}

let world: WorldJson;
let kube: KubeRest;
const cleanups = cleanupsAfterEach();

beforeAll(async () => {
  world = loadWorld(); // no TESTWORLD: fails loudly, never skips
  kube = await KubeRest.fromKubeconfig({ kubeconfig: world.kubeconfig, userAgent: 'leader-election-test' });
});

const signal = (ms = 10_000): AbortSignal => AbortSignal.timeout(ms);

async function ignoreNotFound(op: () => Promise<unknown>): Promise<void> {
  try {
    await op();
  } catch (err) {
    if (!(err instanceof KubeRequestError && err.status === 404)) throw err;
  }
}

/** A CSI driver of its own (so its own Lease), a class for it, and cleanup of all of it. */
async function setUp(): Promise<TestEnv> {
  const id = randomBytes(3).toString('hex');
  const driverName = `le-${id}.csi.testworld`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'le-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const driver = await startCsiDriver({ kind: 'hostpath', binary: world.hostpathPlugin, driverName, socketDir: dir, logDir: dir, csiProto: world.csiProto });
  cleanups.push(() => driver.process.stop());
  const admin = CsiAdmin.open({ endpoint: driver.endpoint, csiProto: world.csiProto });
  cleanups.push(() => admin.close());
  const className = `le-class-${id}`;
  await kube.create(`${SNAP}/volumesnapshotclasses`, { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name: className }, driver: driverName, deletionPolicy: 'Retain' }, signal());
  cleanups.push(() => ignoreNotFound(() => kube.delete(`${SNAP}/volumesnapshotclasses/${className}`, signal())));
  const leasePath = `${LEASES}/external-snapshotter-leader-le-${id}-csi-testworld`;
  cleanups.push(() => ignoreNotFound(() => kube.delete(leasePath, signal())));
  const replicas: Replica[] = [];
  // Registered after the driver, so replicas die before it (cleanups run in reverse).
  cleanups.push(() => Promise.all(replicas.map((r) => r.kill())));
  return { driver, dir, admin, className, leasePath, replicas };
}

async function replica(env: TestEnv, kind: ReplicaKind, hostname: string): Promise<Replica> {
  const r = await startReplica({
    kind,
    hostname,
    upstreamBinary: world.upstreamSnapshotter,
    kubeconfig: world.kubeconfig,
    csiAddress: env.driver.endpoint,
    dir: env.dir,
    electionArgs: ELECTION_ARGS,
  });
  env.replicas.push(r);
  return r;
}

function logs(env: TestEnv): string {
  return env.replicas.map((r) => `--- ${r.kind} ${r.hostname} (last lines)\n${r.log().split('\n').slice(-25).join('\n')}`).join('\n');
}

async function holder(env: TestEnv): Promise<string | undefined> {
  try {
    const lease = (await kube.get(env.leasePath, signal())) as LeaseObject;
    const h = lease.spec?.holderIdentity ?? '';
    return h === '' ? undefined : h;
  } catch (err) {
    if (err instanceof KubeRequestError && err.status === 404) return undefined;
    throw err;
  }
}

/** Polls until `hostname` holds the Lease; returns the ms it took from `since`. */
async function waitForHolder(env: TestEnv, hostname: string, since: number, timeoutMs = 20_000): Promise<number> {
  await eventually(`${hostname} to hold the Lease`, async () => ((await holder(env)) === hostname ? true : undefined), {
    timeoutMs,
    intervalMs: 50,
    onTimeout: () => logs(env),
  });
  return Math.round(performance.now() - since);
}

/** Holder for `ms`: it must stay `hostname` throughout (the other replica keeps out). */
async function holderStays(env: TestEnv, hostname: string, ms: number): Promise<readonly string[]> {
  const seen = new Set<string>();
  const end = performance.now() + ms;
  while (performance.now() < end) {
    seen.add((await holder(env)) ?? '<none>');
    await new Promise((r) => setTimeout(r, 250));
  }
  expect([...seen]).toEqual([hostname]);
  return [...seen];
}

/** A dynamically provisioned content for the driver, as the snapshot-controller would create it. */
async function createContent(env: TestEnv): Promise<string> {
  const id = randomBytes(3).toString('hex');
  const volume = await env.admin.createVolume({ name: `le-vol-${id}` }, signal());
  const name = `le-content-${id}`;
  await kube.create(
    `${SNAP}/volumesnapshotcontents`,
    {
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshotContent',
      metadata: { name },
      spec: {
        driver: env.driver.driverName,
        deletionPolicy: 'Retain',
        source: { volumeHandle: volume.volume_id },
        volumeSnapshotClassName: env.className,
        volumeSnapshotRef: { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', name: `le-snap-${id}`, namespace: 'default', uid: randomUUID() },
      },
    },
    signal(),
  );
  const contentPath = `${SNAP}/volumesnapshotcontents/${name}`;
  // Delete first: the snapshot-controller re-adds its finalizer to a live content, not to one
  // being deleted; then strip finalizers until the object is gone.
  cleanups.push(async () => {
    await ignoreNotFound(() => kube.delete(contentPath, signal()));
    await eventually(`${name} to be gone`, async () => {
      try {
        await kube.mergePatch(contentPath, { metadata: { finalizers: null } }, signal());
        return undefined;
      } catch (err) {
        if (err instanceof KubeRequestError && err.status === 404) return true;
        throw err;
      }
    }, { timeoutMs: 10_000, intervalMs: 100 });
  });
  return name;
}

async function waitForSnapshotHandle(env: TestEnv, content: string): Promise<string> {
  return eventually(
    `a snapshotHandle in ${content}'s status`,
    async () => {
      const c = (await kube.get(`${SNAP}/volumesnapshotcontents/${content}`, signal())) as { status?: { snapshotHandle?: string } };
      return c.status?.snapshotHandle;
    },
    { timeoutMs: 20_000, onTimeout: () => logs(env) },
  );
}

const createSnapshotCalls = (r: Replica): number => r.log().match(CREATE_SNAPSHOT_CALL)?.length ?? 0;

function pair(a: Replica, b: Replica, leaderName: string): { leader: Replica; standby: Replica } {
  return a.hostname === leaderName ? { leader: a, standby: b } : { leader: b, standby: a };
}

describe('leader election between replicas of our sidecar', () => {
  test('exactly one replica leads and only it processes contents; kill -9 of the leader hands over to the standby', async () => {
    const env = await setUp();
    const [a, b] = await Promise.all([replica(env, 'ours', 'replica-a'), replica(env, 'ours', 'replica-b')]);
    const first = await eventually('a Lease holder', () => holder(env), { timeoutMs: 20_000, onTimeout: () => logs(env) });
    expect(['replica-a', 'replica-b']).toContain(first);
    const { leader, standby } = pair(a, b, first);
    await eventually('leader_election_master_status on both', async () => {
      const gauges = [await leaderGauge(leader), await leaderGauge(standby)];
      return gauges[0] === 1 && gauges[1] === 0 ? gauges : undefined;
    }, { timeoutMs: 10_000, onTimeout: () => logs(env) });
    for (const r of [leader, standby]) {
      const res = await fetch(`http://127.0.0.1:${r.httpPort}/healthz/leader-election`, { signal: signal() });
      expect({ status: res.status, body: await res.text() }).toEqual({ status: 200, body: 'ok' });
    }

    const content = await createContent(env);
    await waitForSnapshotHandle(env, content);
    expect(createSnapshotCalls(leader)).toBeGreaterThan(0);
    expect(createSnapshotCalls(standby)).toBe(0);
    expect(standby.log()).not.toContain('Caches synced');
    await holderStays(env, leader.hostname, 1_500);

    const killedAt = performance.now();
    leader.signal('SIGKILL');
    const failoverMs = await waitForHolder(env, standby.hostname, killedAt);
    console.log(`leader-election: kill -9 failover took ${failoverMs} ms (lease 4s, renew deadline 3s, retry 1s)`);
    expect(await leader.exited).toBe(137);
    const second = await createContent(env);
    await waitForSnapshotHandle(env, second);
    expect(createSnapshotCalls(standby)).toBeGreaterThan(0);
  }, 60_000);

  test('SIGTERM: the leader finishes, releases the Lease and exits 0; the standby takes over within about one retry period', async () => {
    const env = await setUp();
    const [a, b] = await Promise.all([replica(env, 'ours', 'replica-a'), replica(env, 'ours', 'replica-b')]);
    const first = await eventually('a Lease holder', () => holder(env), { timeoutMs: 20_000, onTimeout: () => logs(env) });
    const { leader, standby } = pair(a, b, first);
    await eventually('the leader to start its workers', async () => (leader.log().includes('Caches synced') ? true : undefined), {
      timeoutMs: 15_000,
      onTimeout: () => logs(env),
    });

    const termAt = performance.now();
    leader.signal('SIGTERM');
    const failoverMs = await waitForHolder(env, standby.hostname, termAt);
    console.log(`leader-election: SIGTERM failover took ${failoverMs} ms (retry 1s, candidate jitter up to 2.2s)`);
    expect(await leader.exited).toBe(0);
    expect(leader.log()).toContain('Released lease');
    expect(standby.running()).toBe(true);
  }, 60_000);

  test('a leader whose Lease is taken by someone else stops leading and exits 1 without releasing it', async () => {
    const env = await setUp();
    const a = await replica(env, 'ours', 'replica-a');
    await waitForHolder(env, 'replica-a', performance.now());
    // The leader renews every second: re-read and retry the steal when a renewal gets in first.
    for (let attempt = 0; ; attempt++) {
      const lease = (await kube.get(env.leasePath, signal())) as LeaseObject;
      try {
        await kube.request({
          method: 'PUT',
          path: env.leasePath,
          body: { ...lease, spec: { holderIdentity: 'thief', leaseDurationSeconds: 3600 } },
          signal: signal(),
        });
        break;
      } catch (err) {
        if (!(err instanceof KubeRequestError && err.status === 409) || attempt >= 10) throw err;
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([a.exited, new Promise<string>((r) => (timer = setTimeout(() => r('still running after 30 s'), 30_000)))]);
    clearTimeout(timer);
    expect(code).toBe(1);
    expect(a.log()).toContain('Stopped leading');
    expect(await holder(env)).toBe('thief');
  }, 60_000);
});

describe('mixed replicas: upstream csi-snapshotter and ours share one Lease', () => {
  test('whoever holds the Lease leads alone, in both directions', async () => {
    const env = await setUp();
    const upstream = await replica(env, 'upstream', 'upstream-a');
    await waitForHolder(env, 'upstream-a', performance.now());
    const ours = await replica(env, 'ours', 'ours-b');
    await eventually('our replica to contend', async () => (ours.log().includes('Attempting to acquire leader lease') ? true : undefined), {
      timeoutMs: 15_000,
      onTimeout: () => logs(env),
    });
    await holderStays(env, 'upstream-a', 5_000); // longer than the lease duration: our replica keeps out
    expect(await leaderGauge(ours)).toBe(0);
    const content = await createContent(env);
    await waitForSnapshotHandle(env, content);
    expect(createSnapshotCalls(upstream)).toBeGreaterThan(0);
    expect(createSnapshotCalls(ours)).toBe(0);

    const killedAt = performance.now();
    upstream.signal('SIGKILL');
    const failoverMs = await waitForHolder(env, 'ours-b', killedAt);
    console.log(`leader-election: upstream → ours kill -9 failover took ${failoverMs} ms`);
    const upstream2 = await replica(env, 'upstream', 'upstream-c');
    await eventually('upstream to contend', async () => (/attempting to acquire leader lease/i.test(upstream2.log()) ? true : undefined), {
      timeoutMs: 15_000,
      onTimeout: () => logs(env),
    });
    await holderStays(env, 'ours-b', 5_000); // upstream keeps out of our Lease too
    const second = await createContent(env);
    await waitForSnapshotHandle(env, second);
    expect(createSnapshotCalls(ours)).toBeGreaterThan(0);
    expect(createSnapshotCalls(upstream2)).toBe(0);
    expect(await leaderGauge(ours)).toBe(1);
  }, 60_000);
});
