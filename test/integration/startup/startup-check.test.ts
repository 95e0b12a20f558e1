// `--check` (start-up diagnostics, issue 16 item 3) of OUR built sidecar against the real test
// world: kube-apiserver with RBAC (identities built from manifests/rbac.yaml, ./sidecar-identity),
// csi-driver-host-path on a socket of our own.
//  - all OK: the full manifest, a readable socket → exit 0, every CRD, rule, socket and driver line ok;
//  - a verb removed from the role, for EVERY verb the manifest grants → exit 1 with exactly one
//    PROBLEM line naming that verb and the rule to add (secrets: a WARNING, exit 0);
//  - a socket we cannot open (non-root process via setpriv, as root ignores modes) → exit 1 with
//    the owner/mode/uid facts and the fix; and the fix itself (the socket's group added) → exit 0.
// Needs a running world (TESTWORLD), a built sidecar (npm run build) and setpriv (util-linux).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { eventually } from '../../support/polling.js';
import { loadWorld } from '../../support/world-handle.js';
import type { WorldJson } from '../../support/world-handle.js';
import { startCsiDriver } from '../../world/csi-driver.js';
import type { CsiDriver } from '../../world/csi-driver.js';
import { createNamespace } from '../../world/fixtures.js';
import { KubeRest } from '../../world/kube-rest.js';
import { createSidecarIdentity, grantLabel, grantsOf, readRbacManifest } from '../rbac/sidecar-identity.js';
import type { Grant, SidecarIdentity } from '../rbac/sidecar-identity.js';
import { removeRunAsCopy, reportLines, runCheck } from './run-check.js';
import type { CheckRun, RunAs } from './run-check.js';

const PARALLEL_RUNS = 4;
const NOBODY: RunAs = { uid: 65532, gid: 65532, groups: [] };
const SOCKET_GROUP = 2000;

describe('--check on the test world', () => {
  let world: WorldJson;
  let kube: KubeRest;
  let dir: string;
  let socketDir: string;
  let namespace: string;
  let driver: CsiDriver;
  let full: SidecarIdentity;
  let fullRun: CheckRun;
  const identities: SidecarIdentity[] = [];
  const grants = grantsOf(readRbacManifest());
  const variants = new Map<string, CheckRun>();
  const leaseArgs = (): string[] => ['--leader-election', `--leader-election-namespace=${namespace}`];

  beforeAll(async () => {
    world = loadWorld();
    kube = await KubeRest.fromKubeconfig({ kubeconfig: world.kubeconfig, userAgent: 'testworld-integration/startup-check' });
    // Readable by the non-root runs (mkdtemp makes 0700 directories).
    dir = fs.mkdtempSync('/tmp/sc-');
    fs.chmodSync(dir, 0o755);
    socketDir = path.join(dir, 's');
    fs.mkdirSync(socketDir, { mode: 0o755 });
    fs.chmodSync(socketDir, 0o755);
    const id = randomBytes(3).toString('hex');
    namespace = `startup-${id}`;
    await createNamespace(kube, namespace, AbortSignal.timeout(10_000));
    driver = await startCsiDriver({ kind: 'hostpath', binary: world.hostpathPlugin, driverName: `${id}.startup.testworld`, socketDir, logDir: dir, csiProto: world.csiProto, signal: AbortSignal.timeout(20_000) });
    const signal = AbortSignal.timeout(60_000);
    const made = await Promise.all(
      grants.map(async (g, i) => [grantLabel(g), await createSidecarIdentity({ kube, adminKubeconfig: world.kubeconfig, namespace, id: `v${i}-${id}`, dir, signal, remove: g })] as const),
    );
    identities.push(...made.map(([, identity]) => identity));
    // Created last: once the apiserver's RBAC cache authorizes it fully, the variants (created
    // before it) are in that cache too, so no variant is judged on a half-synced authorizer.
    full = await createSidecarIdentity({ kube, adminKubeconfig: world.kubeconfig, namespace, id: `full-${id}`, dir, signal });
    identities.push(full);
    fullRun = await eventually(
      'the full identity passes --check',
      async () => {
        const run = await runCheck({ kubeconfig: full.kubeconfig, csiAddress: driver.endpoint, args: leaseArgs() });
        fullRun = run;
        return run.code === 0 ? run : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, onTimeout: () => `last report:\n${fullRun?.stdout}\n${fullRun?.stderr}` },
    );
    const queue = made.slice();
    await Promise.all(
      Array.from({ length: PARALLEL_RUNS }, async () => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          const [label, identity] = next;
          variants.set(label, await runCheck({ kubeconfig: identity.kubeconfig, csiAddress: driver.endpoint, args: leaseArgs() }));
        }
      }),
    );
  }, 180_000);

  afterAll(async () => {
    for (const identity of identities) await identity.dispose(AbortSignal.timeout(10_000));
    await driver?.process.stop();
    await kube?.delete(`/api/v1/namespaces/${namespace}`, AbortSignal.timeout(10_000)).catch(() => undefined);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    removeRunAsCopy();
  });

  test('all OK with the full manifest: exit 0, no problem or warning, every CRD, rule, socket and driver line ok', () => {
    expect({ code: fullRun.code, problems: reportLines(fullRun.stdout, 'PROBLEM'), warnings: reportLines(fullRun.stdout, 'WARNING') }).toEqual({ code: 0, problems: [], warnings: [] });
    const ok = reportLines(fullRun.stdout, 'ok');
    const subjects = ok.map((l) => l.slice(0, l.indexOf(': ')));
    expect(subjects).toEqual([
      world.apiserver,
      'volumesnapshotcontents.snapshot.storage.k8s.io',
      'volumesnapshotclasses.snapshot.storage.k8s.io',
      'volumegroupsnapshotcontents.groupsnapshot.storage.k8s.io',
      'volumegroupsnapshotclasses.groupsnapshot.storage.k8s.io',
      'volumesnapshotcontents.snapshot.storage.k8s.io',
      'volumesnapshotcontents/status.snapshot.storage.k8s.io',
      'volumesnapshotclasses.snapshot.storage.k8s.io',
      'volumegroupsnapshotcontents.groupsnapshot.storage.k8s.io',
      'volumegroupsnapshotcontents/status.groupsnapshot.storage.k8s.io',
      'volumegroupsnapshotclasses.groupsnapshot.storage.k8s.io',
      'events in namespace default',
      'secrets',
      `leases.coordination.k8s.io in namespace ${namespace}`,
      driver.endpoint.replace(/^unix:\/\//, ''),
      'name',
      'controller capabilities',
      'group controller capabilities',
    ]);
    expect(ok).toContain(`name: ${driver.driverName} (answers Probe: ready)`);
    expect(fullRun.stdout).toContain('Result: OK (0 problems, 0 warnings, 18 ok)');
  });

  test('the report never prints the ServiceAccount token', () => {
    const kubeconfig = JSON.parse(fs.readFileSync(full.kubeconfig, 'utf8')) as { users: { user: { token: string } }[] };
    const token = kubeconfig.users[0]?.user.token ?? '';
    expect(token.length).toBeGreaterThan(20);
    expect(`${fullRun.stdout}${fullRun.stderr}`.includes(token)).toBe(false);
  });

  const subjectOf = (g: Grant, ns: () => string): string => {
    const base = `${g.resource}${g.apiGroup === '' ? '' : `.${g.apiGroup}`}`;
    if (g.resource === 'events') return `${base} in namespace default`;
    return g.scope === 'role' ? `${base} in namespace ${ns()}` : base;
  };

  test.each(grants.map((g) => [grantLabel(g), g] as const))('without "%s": one line naming that verb and the rule to add', (label, g) => {
    const run = variants.get(label);
    if (run === undefined) throw new Error(`no run for ${label}`);
    const secrets = g.resource === 'secrets';
    const flagged = reportLines(run.stdout, secrets ? 'WARNING' : 'PROBLEM');
    const other = reportLines(run.stdout, secrets ? 'PROBLEM' : 'WARNING');
    expect({ code: run.code, count: flagged.length, other }).toEqual({ code: secrets ? 0 : 1, count: 1, other: [] });
    const line = flagged[0] ?? '';
    expect(line.startsWith(`${subjectOf(g, () => namespace)}: missing verb ${g.verb} (used for: `)).toBe(true);
    const where = g.scope === 'role' ? `to the Role in namespace ${namespace}` : 'to the ClusterRole';
    expect(line).toContain(`resources: ["${g.resource}"], verbs: ["${g.verb}"]} ${where}`);
  });

  describe('a socket we cannot open (run as uid 65532)', () => {
    let kubeconfig: string;
    let socketPath: string;
    beforeAll(() => {
      kubeconfig = path.join(dir, 'nobody.kubeconfig');
      fs.copyFileSync(full.kubeconfig, kubeconfig);
      fs.chownSync(kubeconfig, NOBODY.uid, NOBODY.gid);
      socketPath = driver.endpoint.replace(/^unix:\/\//, '');
    });

    test('owned by root with mode 0755: exit 1, the facts, the fix; the driver is not asked', async () => {
      fs.chownSync(socketPath, 0, 0);
      fs.chmodSync(socketPath, 0o755);
      const run = await runCheck({ kubeconfig, csiAddress: driver.endpoint, as: NOBODY });
      expect({ code: run.code, problems: reportLines(run.stdout, 'PROBLEM') }).toEqual({
        code: 1,
        problems: [
          `${socketPath}: cannot open: the socket is owned by uid 0 gid 0 with mode 0755; this process runs as uid 65532 gid 65532 groups [65532], neither its owner nor in its group. ` +
            "Fix: run this container as the socket's owner (runAsUser: 0), or have the driver create the socket with mode 0660 and a group this container has (pod securityContext.fsGroup)",
        ],
      });
      expect(reportLines(run.stdout, 'skipped')).toContain('CSI driver: not asked: the socket cannot be opened');
      // The API side of the same run is fine: only the socket is wrong.
      const apiLine = reportLines(run.stdout, 'ok')[0] ?? '';
      expect({ server: apiLine.startsWith(`${world.apiserver}: reachable, `), accepted: apiLine.endsWith(', credentials accepted') }).toEqual({ server: true, accepted: true });
    });

    test(`mode 0660 and group ${SOCKET_GROUP}, which this process lacks: exit 1 and the fsGroup to add`, async () => {
      fs.chownSync(socketPath, 0, SOCKET_GROUP);
      fs.chmodSync(socketPath, 0o660);
      const run = await runCheck({ kubeconfig, csiAddress: driver.endpoint, as: NOBODY });
      expect(run.code).toBe(1);
      expect(reportLines(run.stdout, 'PROBLEM')).toEqual([
        `${socketPath}: cannot open: the socket is owned by uid 0 gid ${SOCKET_GROUP} with mode 0660; this process runs as uid 65532 gid 65532 groups [65532], neither its owner nor in its group. ` +
          `Fix: add group ${SOCKET_GROUP} to this container (pod securityContext.fsGroup: ${SOCKET_GROUP} or supplementalGroups: [${SOCKET_GROUP}]), or run it as the socket's owner (runAsUser: 0)`,
      ]);
    });

    test(`the fix applied (supplementary group ${SOCKET_GROUP}): exit 0, socket reached through the group, driver answers`, async () => {
      fs.chownSync(socketPath, 0, SOCKET_GROUP);
      fs.chmodSync(socketPath, 0o660);
      const run = await runCheck({ kubeconfig, csiAddress: driver.endpoint, as: { ...NOBODY, groups: [SOCKET_GROUP] } });
      expect({ code: run.code, problems: reportLines(run.stdout, 'PROBLEM') }).toEqual({ code: 0, problems: [] });
      expect(reportLines(run.stdout, 'ok')).toEqual(expect.arrayContaining([`${socketPath}: connectable (access as group, owner uid 0 gid ${SOCKET_GROUP} mode 0660)`, `name: ${driver.driverName} (answers Probe: ready)`]));
    });
  });
});
