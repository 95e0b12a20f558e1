// Lease name, identity and namespace rules of csi-lib-utils leader_election.go (sanitizeName,
// inClusterNamespace) and the MicroTime format of Lease times.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { formatMicroTime } from '../../../src/kube/lease-api.js';
import { leaderLeaseName, leaderLockName, resolveLeaseNamespace, sanitizeLockName } from '../../../src/kube/lease-lock-names.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function saDir(namespaceFile: string | undefined): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'le-sa-'));
  dirs.push(dir);
  if (namespaceFile !== undefined) fs.writeFileSync(path.join(dir, 'namespace'), namespaceFile);
  return dir;
}

describe('Lease name', () => {
  test.each([
    { driver: 'hostpath.csi.k8s.io', lease: 'external-snapshotter-leader-hostpath-csi-k8s-io' },
    { driver: 'ebs.csi.aws.com', lease: 'external-snapshotter-leader-ebs-csi-aws-com' },
    { driver: 'example.com/driver', lease: 'external-snapshotter-leader-example-com-driver' },
    { driver: 'driver.', lease: 'external-snapshotter-leader-driver-X' },
    { driver: 'Mixed_Case', lease: 'external-snapshotter-leader-Mixed-Case' },
  ])('$driver → $lease', ({ driver, lease }) => {
    expect(leaderLeaseName(driver)).toBe(lease);
  });

  test('the unsanitized lock name only replaces "/"', () => {
    expect(leaderLockName('example.com/driver')).toBe('external-snapshotter-leader-example.com-driver');
  });
});

describe('sanitizeLockName (identity and lock)', () => {
  test.each([
    { name: 'node-1', out: 'node-1' },
    { name: 'ip-10-0-0-1.ec2.internal', out: 'ip-10-0-0-1-ec2-internal' },
    { name: 'host_', out: 'host-X' },
    { name: 'trailing-', out: 'trailing-X' },
    { name: 'hôte', out: 'h-te' },
  ])('$name → $out', ({ name, out }) => {
    expect(sanitizeLockName(name)).toBe(out);
  });
});

describe('resolveLeaseNamespace', () => {
  test.each([
    { what: 'the flag wins', flag: 'ns-flag', pod: 'ns-pod', file: 'ns-file', want: 'ns-flag' },
    { what: 'then POD_NAMESPACE', flag: '', pod: 'ns-pod', file: 'ns-file', want: 'ns-pod' },
    { what: 'then the service account file, trimmed', flag: '', pod: undefined, file: ' ns-file\n', want: 'ns-file' },
    { what: 'an empty POD_NAMESPACE counts as unset', flag: '', pod: '', file: 'ns-file', want: 'ns-file' },
    { what: 'a blank file counts as missing', flag: '', pod: undefined, file: '  \n', want: 'default' },
    { what: 'else default', flag: '', pod: undefined, file: undefined, want: 'default' },
  ])('$what', ({ flag, pod, file, want }) => {
    expect(resolveLeaseNamespace({ flag, podNamespace: pod, serviceAccountDir: saDir(file) })).toBe(want);
  });
});

describe('formatMicroTime', () => {
  test.each([
    { ms: Date.UTC(2024, 0, 1), text: '2024-01-01T00:00:00.000000Z' },
    { ms: Date.UTC(2024, 0, 1) + 1234.5, text: '2024-01-01T00:00:01.234500Z' },
  ])('$ms → $text (six fractional digits, as the apiserver requires)', ({ ms, text }) => {
    expect(formatMicroTime(ms)).toBe(text);
  });
});
