// The sidecar's leader-election glue (src/app/leader-election.ts) against a scripted HTTPS API
// server holding one Lease: where the Lease goes and who we are in it, the master-status gauge,
// release on close, and no release after a lost Lease. Real (short) timings: the glue talks HTTP.

import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { systemClock } from '../../../src/base/clock.js';
import { createLeaderElection, type SidecarLeaderElection } from '../../../src/app/leader-election.js';
import { nullLogger } from '../../../src/observability/logger.js';
import { FakeApiServer, type RecordedRequest } from '../../support/fake-apiserver.js';
import { testOptions } from '../../integration/csi/test-options.js';
import { waitFor } from '../../support/polling.js';

const LEASES = '/apis/coordination.k8s.io/v1/namespaces/team-ns/leases';
const LEASE_PATH = `${LEASES}/external-snapshotter-leader-hostpath-csi-k8s-io`;

interface StoredLease {
  metadata: { name: string; resourceVersion: string; labels?: Record<string, string> };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number };
}

let server: FakeApiServer;
let stored: StoredLease | undefined;
/** When set, every request fails with 500 (an unhealthy apiserver). */
let failing = false;
const elections: SidecarLeaderElection[] = [];

beforeAll(async () => {
  server = await FakeApiServer.start();
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  for (const e of elections.splice(0)) await e.close();
  stored = undefined;
  failing = false;
});

function serveLease(req: RecordedRequest, res: Parameters<Parameters<FakeApiServer['handle']>[0]>[1]): void {
  if (failing) return res.status(500, 'InternalError', 'etcd is sad');
  let rv = Number(stored?.metadata.resourceVersion ?? '0');
  if (req.method === 'GET' && req.path === LEASE_PATH) {
    return stored === undefined ? res.status(404, 'NotFound', 'not found') : res.json(200, stored);
  }
  if (req.method === 'POST' && req.path === LEASES) {
    if (stored !== undefined) return res.status(409, 'AlreadyExists', 'exists');
    stored = JSON.parse(req.body) as StoredLease;
    stored.metadata.resourceVersion = String(++rv);
    return res.json(201, stored);
  }
  if (req.method === 'PUT' && req.path === LEASE_PATH) {
    const next = JSON.parse(req.body) as StoredLease;
    if (stored === undefined || next.metadata.resourceVersion !== stored.metadata.resourceVersion) return res.status(409, 'Conflict', 'conflict');
    stored = next;
    stored.metadata.resourceVersion = String(++rv);
    return res.json(200, stored);
  }
  res.status(404, 'NotFound', `unexpected ${req.method} ${req.path}`);
}

function start(gauge: [string, boolean][]): SidecarLeaderElection {
  server.handle(serveLease);
  const e = createLeaderElection({
    options: testOptions({
      kubeconfig: server.kubeconfigPath,
      leaderElection: true,
      podNamespace: 'team-ns',
      leaderElectionLabels: { app: 'snapshotter' },
      leaderElectionLeaseDurationMs: 1_500,
      leaderElectionRenewDeadlineMs: 1_000,
      leaderElectionRetryPeriodMs: 200,
    }),
    log: nullLogger,
    clock: systemClock,
    driverName: 'hostpath.csi.k8s.io',
    version: '9.9.9-test',
    setLeader: (name, isLeader) => gauge.push([name, isLeader]),
    hostname: () => 'node_1.example',
  });
  elections.push(e);
  return e;
}

describe('createLeaderElection', () => {
  test('leads on the Lease named after the driver, in POD_NAMESPACE, as the sanitized hostname with our labels', async () => {
    const gauge: [string, boolean][] = [];
    const e = start(gauge);
    expect({ lease: e.leaseName, ns: e.namespace, id: e.identity }).toEqual({
      lease: 'external-snapshotter-leader-hostpath-csi-k8s-io',
      ns: 'team-ns',
      id: 'node-1-example',
    });
    await expect(e.lead(AbortSignal.timeout(5_000), () => undefined)).resolves.toBe(true);
    expect(e.leading()).toBe(true);
    expect(stored?.spec).toMatchObject({ holderIdentity: 'node-1-example', leaseDurationSeconds: 1 });
    expect(stored?.metadata.labels).toEqual({ app: 'snapshotter' });
    expect(gauge).toEqual([
      [e.leaseName, false],
      [e.leaseName, true],
    ]);
    expect(e.check()).toBeUndefined();
  });

  test('close() releases the Lease: holderIdentity empty, leaseDurationSeconds 1, gauge 0', async () => {
    const gauge: [string, boolean][] = [];
    const e = start(gauge);
    await e.lead(AbortSignal.timeout(5_000), () => undefined);
    await e.close();
    expect(stored?.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    expect(gauge.at(-1)).toEqual([e.leaseName, false]);
    expect(e.leading()).toBe(false);
  });

  test('a renewal failing past the renew deadline calls onLost once, and close() then writes nothing', async () => {
    const e = start([]);
    let lost = 0;
    await e.lead(AbortSignal.timeout(5_000), () => lost++);
    failing = true;
    await waitFor(() => lost > 0, 'onLost', { timeoutMs: 4_000 });
    expect(e.leading()).toBe(false);
    failing = false;
    const writesBefore = server.requests.filter((r) => r.method === 'PUT').length;
    await e.close();
    expect(server.requests.filter((r) => r.method === 'PUT').length).toBe(writesBefore);
    expect(stored?.spec.holderIdentity).toBe('node-1-example');
    expect(lost).toBe(1);
  });
});
