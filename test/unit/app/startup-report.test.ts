// The start-up report's judgement and wording with plain findings: which finding is ok, a
// warning or a problem, the fix named for each, the exit decision of --check, and the log lines
// of a normal start (one per problem at error level, a summary at info).
import { describe, expect, test } from '@jest/globals';
import { REQUIRED_ACCESS, type RequiredAccess } from '../../../src/app/required-access.js';
import {
  accessItems,
  countReport,
  crdItems,
  driverItems,
  formatReport,
  logReport,
  reportPassed,
  socketItem,
  type CheckItem,
} from '../../../src/app/startup-report.js';
import { CapturingLogger } from '../../integration/csi/capturing-logger.js';

const SINGLE = { group: 'snapshot.storage.k8s.io', version: 'v1', plurals: ['volumesnapshotcontents', 'volumesnapshotclasses'], optional: false } as const;
const GROUP = { group: 'groupsnapshot.storage.k8s.io', version: 'v1', plurals: ['volumegroupsnapshotcontents', 'volumegroupsnapshotclasses'], optional: true } as const;

function access(resource: string, subresource?: string): RequiredAccess {
  const a = REQUIRED_ACCESS.find((x) => x.resource === resource && x.subresource === subresource);
  if (a === undefined) throw new Error(`no ${resource}`);
  return a;
}
const statuses = (items: readonly CheckItem[]): string[] => items.map((i) => `${i.status} ${i.subject}`);

describe('crdItems', () => {
  test('served at v1 with both plurals: ok, naming every served version', () => {
    const items = crdItems({ ...SINGLE, served: { versions: ['v1', 'v1beta1'], preferred: 'v1' }, resources: ['volumesnapshotcontents', 'volumesnapshotcontents/status', 'volumesnapshotclasses'] });
    expect(items.map((i) => [i.status, i.detail])).toEqual([
      ['ok', 'present at v1 (served versions: v1, v1beta1; preferred v1)'],
      ['ok', 'present at v1 (served versions: v1, v1beta1; preferred v1)'],
    ]);
  });

  test('snapshot group not served: a problem per CRD with the install fix', () => {
    const items = crdItems({ ...SINGLE, served: undefined, resources: [] });
    expect(statuses(items)).toEqual(['problem volumesnapshotcontents.snapshot.storage.k8s.io', 'problem volumesnapshotclasses.snapshot.storage.k8s.io']);
    expect(items[0]?.detail).toBe('not installed (the API group snapshot.storage.k8s.io is not served)');
    expect(items[0]?.remedy).toContain('install the snapshot CRDs');
  });

  test('group snapshot CRDs missing: only a warning (group support switches itself off)', () => {
    const items = crdItems({ ...GROUP, served: undefined, resources: [] });
    expect(items.map((i) => i.status)).toEqual(['warning', 'warning']);
    expect(items[0]?.remedy).toContain('--feature-gates=CSIVolumeGroupSnapshot=false');
  });

  test('served only at an older version: a problem naming the versions', () => {
    const [item] = crdItems({ ...SINGLE, served: { versions: ['v1beta1'], preferred: 'v1beta1' }, resources: [] });
    expect(item).toMatchObject({ status: 'problem', detail: 'not served at v1, which this sidecar uses (served versions: v1beta1; preferred v1beta1)' });
  });

  test('v1 served without one plural: that CRD alone is a problem', () => {
    expect(statuses(crdItems({ ...SINGLE, served: { versions: ['v1'], preferred: 'v1' }, resources: ['volumesnapshotclasses'] }))).toEqual([
      'problem volumesnapshotcontents.snapshot.storage.k8s.io',
      'ok volumesnapshotclasses.snapshot.storage.k8s.io',
    ]);
  });

  test('discovery failing is a problem that quotes the error', () => {
    const [item] = crdItems({ ...SINGLE, served: 'GET /apis/snapshot.storage.k8s.io: request timed out', resources: [] });
    expect(item).toMatchObject({ status: 'problem', detail: 'could not read API discovery: GET /apis/snapshot.storage.k8s.io: request timed out' });
  });
});

describe('accessItems', () => {
  test('all verbs allowed: one ok line listing them', () => {
    const items = accessItems({ access: access('volumesnapshotcontents'), needed: true, namespace: undefined, verdicts: ['get', 'list', 'watch', 'patch'].map((verb) => ({ verb, allowed: true })) });
    expect(items).toEqual([{ section: 'rbac', status: 'ok', subject: 'volumesnapshotcontents.snapshot.storage.k8s.io', detail: 'allowed: get, list, watch, patch' }]);
  });

  test('a denied verb is a problem naming the verb and the exact ClusterRole rule to add', () => {
    const items = accessItems({
      access: access('volumesnapshotcontents', 'status'),
      needed: true,
      namespace: undefined,
      verdicts: [{ verb: 'patch', allowed: false, reason: '' }],
    });
    expect(items).toEqual([
      {
        section: 'rbac',
        status: 'problem',
        subject: 'volumesnapshotcontents/status.snapshot.storage.k8s.io',
        detail: 'missing verb patch (used for: status writes)',
        remedy: 'add the rule {apiGroups: ["snapshot.storage.k8s.io"], resources: ["volumesnapshotcontents/status"], verbs: ["patch"]} to the ClusterRole bound to this sidecar\'s ServiceAccount (manifests/rbac.yaml: csi-snapshotter-runner)',
      },
    ]);
  });

  test('a denied Lease verb points at the Role in the Lease namespace; allowed verbs still listed', () => {
    const items = accessItems({
      access: access('leases'),
      needed: true,
      namespace: 'kube-system',
      verdicts: [{ verb: 'get', allowed: true }, { verb: 'create', allowed: false }, { verb: 'update', allowed: false }],
    });
    expect(items.map((i) => [i.status, i.detail])).toEqual([
      ['problem', 'missing verbs create, update (used for: leader election Lease)'],
      ['ok', 'allowed: get'],
    ]);
    expect(items[0]?.remedy).toContain('verbs: ["create", "update"]} to the Role in namespace kube-system');
  });

  test('secrets denied cluster-wide is only a warning (drivers without secrets, per-namespace Roles)', () => {
    const [item] = accessItems({ access: access('secrets'), needed: true, namespace: undefined, verdicts: [{ verb: 'get', allowed: false }] });
    expect(item?.status).toBe('warning');
  });

  test('not needed under these flags: skipped, not asked', () => {
    expect(accessItems({ access: access('leases'), needed: false, namespace: 'default', verdicts: [] })).toEqual([
      { section: 'rbac', status: 'skipped', subject: 'leases.coordination.k8s.io in namespace default', detail: 'not needed without --leader-election' },
    ]);
  });

  test('a review that could not be sent is a problem quoting the error', () => {
    const [item] = accessItems({ access: access('events'), needed: true, namespace: 'default', verdicts: [{ verb: 'create', allowed: 'error', reason: 'request timed out' }] });
    expect(item).toMatchObject({ status: 'problem', subject: 'events in namespace default', detail: 'could not check "create": request timed out' });
  });
});

describe('socketItem and driverItems', () => {
  test('a denied socket is a problem with the judgement and its fix', () => {
    expect(socketItem({ kind: 'denied', socketPath: '/csi/csi.sock', problem: 'P', remedy: 'R' })).toEqual({ section: 'socket', status: 'problem', subject: '/csi/csi.sock', detail: 'cannot open: P', remedy: 'R' });
  });

  test('a missing socket is a problem worded as the give-up error words it', () => {
    expect(socketItem({ kind: 'unusable', socketPath: '/csi/csi.sock', facts: { kind: 'missing' } }).detail).toContain('does not exist');
  });

  test('a connectable socket is ok and shows owner and mode', () => {
    expect(socketItem({ kind: 'ok', socketPath: '/s', ownership: { uid: 0, gid: 2000, mode: 0o140660 }, via: 'group' }).detail).toBe('connectable (access as group, owner uid 0 gid 2000 mode 0660)');
  });

  const caps = { createDeleteSnapshot: true, listSnapshots: true, getSnapshot: false };
  test('a driver with snapshots and group snapshots: name and both capability lines ok', () => {
    const items = driverItems({ kind: 'ok', driverName: 'hostpath.csi.k8s.io', controllerCapabilities: caps, groupSnapshotsWanted: true, groupControllerCapabilities: { createDeleteGetGroupSnapshot: true } });
    expect(items.map((i) => [i.status, i.subject, i.detail])).toEqual([
      ['ok', 'name', 'hostpath.csi.k8s.io (answers Probe: ready)'],
      ['ok', 'controller capabilities', 'CREATE_DELETE_SNAPSHOT, LIST_SNAPSHOTS'],
      ['ok', 'group controller capabilities', 'CREATE_DELETE_GET_VOLUME_GROUP_SNAPSHOT'],
    ]);
  });

  test('no CREATE_DELETE_SNAPSHOT is a problem; no group capability only a warning', () => {
    const items = driverItems({ kind: 'ok', driverName: 'd', controllerCapabilities: { ...caps, createDeleteSnapshot: false }, groupSnapshotsWanted: true, groupControllerCapabilities: { createDeleteGetGroupSnapshot: false } });
    expect(items.map((i) => i.status)).toEqual(['ok', 'problem', 'warning']);
  });

  test('a failed handshake is one problem with its message', () => {
    expect(driverItems({ kind: 'failed', message: 'error getting CSI driver name: x' })).toEqual([{ section: 'driver', status: 'problem', subject: 'CSI driver', detail: 'error getting CSI driver name: x' }]);
  });
});

describe('verdict and output', () => {
  const ok: CheckItem = { section: 'crds', status: 'ok', subject: 'a', detail: 'fine' };
  const warn: CheckItem = { section: 'rbac', status: 'warning', subject: 'secrets', detail: 'missing verb get', remedy: 'add it' };
  const problem: CheckItem = { section: 'socket', status: 'problem', subject: '/s', detail: 'cannot open', remedy: 'fsGroup' };
  const skipped: CheckItem = { section: 'rbac', status: 'skipped', subject: 'leases', detail: 'not needed' };

  test('--check passes with warnings and skipped checks, fails on any problem', () => {
    expect(reportPassed({ items: [ok, warn, skipped] })).toBe(true);
    expect(reportPassed({ items: [ok, warn, problem] })).toBe(false);
    expect(countReport({ items: [ok, warn, problem, skipped] })).toEqual({ ok: 1, warnings: 1, problems: 1 });
  });

  test('formatReport: sections in a fixed order, one line per item, the fix on the line, a result line', () => {
    expect(formatReport({ items: [problem, ok, warn, skipped] })).toBe(
      [
        'csi-snapshotter start-up check',
        '',
        'Snapshot CRDs',
        '  ok       a: fine',
        '',
        'RBAC (SelfSubjectAccessReview for this process)',
        '  WARNING  secrets: missing verb get. Fix: add it',
        '  skipped  leases: not needed',
        '',
        'CSI socket',
        '  PROBLEM  /s: cannot open. Fix: fsGroup',
        '',
        'Result: FAILED (1 problem, 1 warning, 1 ok)',
        '',
      ].join('\n'),
    );
  });

  test('logReport: one error line per problem, one warn line per warning, one info summary', () => {
    const log = new CapturingLogger();
    logReport({ items: [ok, warn, problem, skipped] }, log);
    expect(log.lines.map((l) => [l.severity, l.msg])).toEqual([
      ['warn', 'Start-up check warning: secrets: missing verb get. Fix: add it'],
      ['error', 'Start-up check failed: /s: cannot open. Fix: fsGroup'],
      ['info', 'Start-up check'],
    ]);
    expect(log.lines[2]?.fields).toMatchObject({ ok: 1, warnings: 1, problems: 1, passed: false });
  });
});
