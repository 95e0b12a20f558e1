// Start-up diagnostics on a private apiserver with NO snapshot CRDs (its own etcd and
// kube-apiserver from the world's components, its own csi-driver-host-path; no
// snapshot-controller, which upstream refuses to start without its CRDs and which start-up does
// not need): `--check` exits 1 with one PROBLEM line per missing snapshot CRD and a
// WARNING per missing group CRD; a normal start logs the same as one error line each and keeps
// running; with the snapshot CRDs installed and only the group CRDs missing, `--check` passes
// with the two warnings. Needs the built world components (bash test/world/build.sh).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { eventually } from '../../support/polling.js';
import { startSidecar } from '../../support/sidecar-process.js';
import { startApiserver, type Apiserver } from '../../world/apiserver.js';
import { installCrds } from '../../world/crds.js';
import { startCsiDriver, type CsiDriver } from '../../world/csi-driver.js';
import { startEtcd, type Etcd } from '../../world/etcd.js';
import { KubeRest } from '../../world/kube-rest.js';
import { crdDir as upstreamCrdDir, readManifest } from '../../world/manifest.js';
import { createPki } from '../../world/pki.js';
import { reportLines, runCheck } from './run-check.js';

const DRIVER = 'crdless.startup.testworld';

describe('start-up diagnostics without the snapshot CRDs (private world)', () => {
  let dir: string;
  let etcd: Etcd | undefined;
  let api: Apiserver | undefined;
  let driver: CsiDriver | undefined;
  let world: { readonly kubeconfig: string };
  let endpoint: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-crd-'));
    const signal = AbortSignal.timeout(90_000);
    const manifest = readManifest();
    const logDir = path.join(dir, 'logs');
    fs.mkdirSync(logDir);
    const [pki, startedEtcd] = await Promise.all([
      createPki(path.join(dir, 'pki'), signal),
      startEtcd({ binary: manifest.binaries.etcd, dataDir: path.join(dir, 'etcd'), logDir, signal }),
    ]);
    etcd = startedEtcd;
    api = await startApiserver({ binary: manifest.binaries['kube-apiserver'], etcdUrl: etcd.url, pki, runDir: dir, logDir, signal });
    driver = await startCsiDriver({ kind: 'hostpath', binary: manifest.binaries.hostpathplugin, driverName: DRIVER, socketDir: dir, logDir, stateDir: path.join(dir, 'state'), csiProto: manifest.csiProto, signal });
    world = { kubeconfig: api.kubeconfig };
    endpoint = driver.endpoint;
  }, 120_000);

  afterAll(async () => {
    await driver?.process.stop();
    await api?.process.stop(10_000);
    await etcd?.process.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('--check: exit 1, a PROBLEM per snapshot CRD with the install fix, a WARNING per group CRD; RBAC, socket and driver ok', async () => {
    const run = await runCheck({ kubeconfig: world.kubeconfig, csiAddress: endpoint });
    expect({ code: run.code, problems: reportLines(run.stdout, 'PROBLEM'), warnings: reportLines(run.stdout, 'WARNING') }).toEqual({
      code: 1,
      problems: [
        expect.stringMatching(/^volumesnapshotcontents\.snapshot\.storage\.k8s\.io: not installed \(the API group snapshot\.storage\.k8s\.io is not served\)\. Fix: install the snapshot CRDs of external-snapshotter v8\.6\.0/),
        expect.stringMatching(/^volumesnapshotclasses\.snapshot\.storage\.k8s\.io: not installed \(the API group snapshot\.storage\.k8s\.io is not served\)\. Fix: install the snapshot CRDs/),
      ],
      warnings: [
        expect.stringMatching(/^volumegroupsnapshotcontents\.groupsnapshot\.storage\.k8s\.io: not installed .*--feature-gates=CSIVolumeGroupSnapshot=false/),
        expect.stringMatching(/^volumegroupsnapshotclasses\.groupsnapshot\.storage\.k8s\.io: not installed .*--feature-gates=CSIVolumeGroupSnapshot=false/),
      ],
    });
    // RBAC does not care whether a CRD exists: the admin may do everything, so those lines are ok.
    expect(reportLines(run.stdout, 'ok')).toEqual(expect.arrayContaining([`name: ${DRIVER} (answers Probe: ready)`, 'volumesnapshotcontents.snapshot.storage.k8s.io: allowed: get, list, watch, patch']));
  });

  test('a normal start logs each missing CRD once at error level, then runs on as before', async () => {
    const sidecar = startSidecar({ kubeconfig: world.kubeconfig, csiAddress: endpoint, dir: path.join(dir, 'normal') });
    try {
      await eventually('the start-up check summary', async () => (sidecar.log().includes('"Start-up check"') ? true : undefined), { timeoutMs: 30_000, onTimeout: () => sidecar.log() });
      const failed = sidecar.log().split('\n').filter((l) => l.includes('Start-up check failed:'));
      expect(failed.map((l) => l.slice(0, 1) + ' ' + (l.match(/Start-up check failed: ([^:]+):/)?.[1] ?? l))).toEqual([
        'E volumesnapshotcontents.snapshot.storage.k8s.io',
        'E volumesnapshotclasses.snapshot.storage.k8s.io',
      ]);
      expect(sidecar.log()).toMatch(/"Start-up check" ok=\d+ warnings=2 problems=2 passed=false/);
      // Behaviour unchanged: the group feature turns itself off with its one warning, and the process keeps running.
      await eventually('the group snapshot warning', async () => (sidecar.log().includes('VolumeGroupSnapshot CRDs were not found') ? true : undefined), { timeoutMs: 30_000, onTimeout: () => sidecar.log() });
      expect(sidecar.process.exitCode).toBeNull();
    } finally {
      await sidecar.stop(10_000);
    }
  });

  test('only the group CRDs missing: --check passes (exit 0) with the two warnings', async () => {
    const snapshotOnly = path.join(dir, 'snapshot-crds');
    fs.mkdirSync(snapshotOnly);
    const files = ['snapshot.storage.k8s.io_volumesnapshotclasses.yaml', 'snapshot.storage.k8s.io_volumesnapshotcontents.yaml', 'snapshot.storage.k8s.io_volumesnapshots.yaml'];
    for (const f of files) fs.copyFileSync(path.join(upstreamCrdDir(), f), path.join(snapshotOnly, f));
    fs.writeFileSync(path.join(snapshotOnly, 'kustomization.yaml'), `resources:\n${files.map((f) => `  - ${f}\n`).join('')}`);
    const client = await KubeRest.fromKubeconfig({ kubeconfig: world.kubeconfig, userAgent: 'testworld-integration/startup-crds' });
    await installCrds({ client, crdDir: snapshotOnly, signal: AbortSignal.timeout(30_000) });
    const run = await runCheck({ kubeconfig: world.kubeconfig, csiAddress: endpoint });
    expect({ code: run.code, problems: reportLines(run.stdout, 'PROBLEM'), warnings: reportLines(run.stdout, 'WARNING').length }).toEqual({ code: 0, problems: [], warnings: 2 });
    expect(reportLines(run.stdout, 'ok')).toEqual(expect.arrayContaining([expect.stringMatching(/^volumesnapshotcontents\.snapshot\.storage\.k8s\.io: present at v1 \(served versions: v1; preferred v1\)$/)]));
  });
});
