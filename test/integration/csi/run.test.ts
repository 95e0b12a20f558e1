// runSidecar end to end against a scripted driver: exit codes for a normal stop, a start-up
// failure and a lost driver.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { runSidecar } from '../../../src/app/run.js';
import { CONNECTION_LOST_MESSAGE } from '../../../src/csi/connection-loss.js';
import { cleanupsAfterEach } from '../../support/cleanups.js';
import { waitFor } from '../../support/polling.js';
import { startDriver } from '../../support/scripted-csi-driver.js';
import { CapturingLogger } from './capturing-logger.js';
import { testOptions } from './test-options.js';
import { loadWorld } from '../../support/world-handle.js';
import { leaderLeaseName } from '../../../src/kube/lease-lock-names.js';
import { KubeRest } from '../../world/kube-rest.js';
import { freePort } from '../../world/ports.js';

/** Per test and hook (jest's default is 5 s): runSidecar also starts the Kubernetes side against the
 * real test-world apiserver, which a loaded machine can make slow: a minute. */
const TEST_TIMEOUT_MS = 60_000;

// runSidecar also starts the Kubernetes side: it talks to the real test-world apiserver.
const kubeconfig = (): string => loadWorld().kubeconfig;

const cleanups = cleanupsAfterEach(TEST_TIMEOUT_MS);

/** Resolves once the log has a line with `msg` (fails within the test's timeout, naming it). */
async function logged(log: CapturingLogger, msg: string): Promise<void> {
  await waitFor(() => log.messages().includes(msg), `the log line "${msg}"`, { timeoutMs: TEST_TIMEOUT_MS / 2, intervalMs: 10 });
}

describe('runSidecar', () => {
  test('runs until stopped and returns 0', async () => {
    const driver = await startDriver(cleanups, { driverName: 'run.csi.k8s.io' });
    const log = new CapturingLogger();
    const stop = new AbortController();
    const run = runSidecar(testOptions({ csiAddress: driver.address, kubeconfig: kubeconfig() }), log, { stopSignal: stop.signal });
    await logged(log, 'CSI driver ready');
    stop.abort();
    await expect(run).resolves.toBe(0);
    expect(log.lines.find((l) => l.msg === 'CSI driver ready')?.fields).toMatchObject({ driver: 'run.csi.k8s.io' });
  }, TEST_TIMEOUT_MS);

  test('a start-up failure is logged and returns exit code 1', async () => {
    const driver = await startDriver(cleanups, { driverName: 'nosnap', controllerCapabilities: [] });
    const log = new CapturingLogger();
    await expect(runSidecar(testOptions({ csiAddress: driver.address }), log)).resolves.toBe(1);
    expect(log.lines.filter((l) => l.severity === 'error').map((l) => l.msg)).toEqual([
      'CSI driver nosnap does not support ControllerCreateSnapshot',
    ]);
  }, TEST_TIMEOUT_MS);

  test('losing the driver writes the termination message and returns 1', async () => {
    const driver = await startDriver(cleanups);
    const log = new CapturingLogger();
    const terminationLogPath = path.join(driver.dir, '..', `${path.basename(driver.dir)}-termination-log`);
    cleanups.push(() => fs.rmSync(terminationLogPath, { force: true }));
    const run = runSidecar(testOptions({ csiAddress: driver.address, kubeconfig: kubeconfig() }), log, { terminationLogPath });
    await logged(log, 'CSI driver ready');
    await driver.stop();
    await expect(run).resolves.toBe(1);
    expect(fs.readFileSync(terminationLogPath, 'utf8')).toBe(CONNECTION_LOST_MESSAGE);
  }, TEST_TIMEOUT_MS);

  test('no kubeconfig and not in a pod: one clear error with the remedy, exit 1', async () => {
    const driver = await startDriver(cleanups);
    const log = new CapturingLogger();
    await expect(runSidecar(testOptions({ csiAddress: driver.address, kubeconfig: '' }), log)).resolves.toBe(1);
    const errors = log.lines.filter((l) => l.severity === 'error').map((l) => l.msg);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('pass --kubeconfig <file> when running outside a cluster');
  }, TEST_TIMEOUT_MS);

  test('issue 13 item 7: /metrics and the health endpoints answer while the driver probe is still not ready', async () => {
    const driver = await startDriver(cleanups, { driverName: 'slowprobe.csi.k8s.io' });
    driver.script({ Probe: () => ({ ready: { value: false } }) });
    const port = await freePort();
    const log = new CapturingLogger();
    const stop = new AbortController();
    const options = testOptions({ csiAddress: driver.address, kubeconfig: kubeconfig(), httpEndpoint: `127.0.0.1:${port}` });
    const run = runSidecar(options, log, { stopSignal: stop.signal, probeIntervalMs: 50 });
    cleanups.push(async () => {
      stop.abort();
      await run;
    });
    await logged(log, 'CSI driver is not ready');
    const get = async (p: string): Promise<{ status: number; body: string }> => {
      const r = await fetch(`http://127.0.0.1:${port}${p}`);
      return { status: r.status, body: await r.text() };
    };
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('workqueue_depth{name="csi-snapshotter-content"} 0');
    expect(metrics.body).toContain('method_name="/csi.v1.Identity/Probe"');
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok' });
    expect(await get('/readyz')).toEqual({ status: 503, body: 'not ready: CSI driver not ready' });
    expect(log.messages()).not.toContain('CSI driver ready');
  }, TEST_TIMEOUT_MS);

  test('issue 13 item 7: a standby replica serves the workqueue_* series of both queue names at 0', async () => {
    const id = Math.random().toString(16).slice(2, 8);
    const driverName = `standby-${id}.csi.k8s.io`;
    const kube = await KubeRest.fromKubeconfig({ kubeconfig: kubeconfig(), userAgent: 'run-test/standby' });
    const leases = '/apis/coordination.k8s.io/v1/namespaces/default/leases';
    const leaseName = leaderLeaseName(driverName);
    await kube.create(
      leases,
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: leaseName },
        spec: { holderIdentity: 'someone-else', leaseDurationSeconds: 3600, renewTime: new Date().toISOString().replace('Z', '000Z') },
      },
      AbortSignal.timeout(10_000),
    );
    cleanups.push(async () => {
      await kube.delete(`${leases}/${leaseName}`, AbortSignal.timeout(10_000));
    });
    const driver = await startDriver(cleanups, { driverName });
    const port = await freePort();
    const log = new CapturingLogger();
    const stop = new AbortController();
    const options = testOptions({
      csiAddress: driver.address,
      kubeconfig: kubeconfig(),
      httpEndpoint: `127.0.0.1:${port}`,
      leaderElection: true,
      leaderElectionNamespace: 'default',
      featureGates: new Map([['CSIVolumeGroupSnapshot', true]]),
    });
    const run = runSidecar(options, log, { stopSignal: stop.signal });
    cleanups.push(async () => {
      stop.abort();
      await run;
    });
    await logged(log, 'Leader election enabled');
    const r = await fetch(`http://127.0.0.1:${port}/metrics`);
    const body = await r.text();
    expect(body).toContain(`leader_election_master_status{name="${leaseName}"} 0`);
    for (const name of ['csi-snapshotter-content', 'csi-snapshotter-groupsnapshotcontent']) {
      for (const series of ['workqueue_depth', 'workqueue_adds_total', 'workqueue_retries_total', 'workqueue_unfinished_work_seconds', 'workqueue_longest_running_processor_seconds', 'workqueue_queue_duration_seconds_count', 'workqueue_work_duration_seconds_count']) {
        expect(body).toContain(`${series}{name="${name}"} 0`);
      }
    }
    expect(log.messages()).not.toContain('Caches synced; starting workers');
  }, TEST_TIMEOUT_MS);
});
