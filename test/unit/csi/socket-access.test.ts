// The socket permission judgement with plain numbers: the kernel's one-class rule (owner, else
// group, else other), root bypassing the bits, and a remedy naming the knob for each failure.
import { describe, expect, test } from '@jest/globals';
import { judgeSocketPermission, octalMode } from '../../../src/csi/socket-access.js';

const SOCK = 0o140000; // S_IFSOCK
const me = { uid: 65532, gid: 65532, groups: [65532] };

describe('judgeSocketPermission', () => {
  test.each([
    ['root ignores the mode bits', { uid: 0, gid: 0, mode: SOCK | 0o000 }, { uid: 0, gid: 0, groups: [] }, { allowed: true, via: 'root' }],
    ['owner with write', { uid: 65532, gid: 0, mode: SOCK | 0o600 }, me, { allowed: true, via: 'owner' }],
    ['group member via the primary gid', { uid: 0, gid: 65532, mode: SOCK | 0o660 }, me, { allowed: true, via: 'group' }],
    ['group member via a supplementary group (fsGroup)', { uid: 0, gid: 2000, mode: SOCK | 0o660 }, { ...me, groups: [65532, 2000] }, { allowed: true, via: 'group' }],
    ['other with write', { uid: 0, gid: 0, mode: SOCK | 0o777 }, me, { allowed: true, via: 'other' }],
  ] as const)('%s', (_name, socket, p, expected) => {
    expect(judgeSocketPermission(socket, p)).toEqual(expected);
  });

  test('the owner class decides even when group and other could write (kernel rule)', () => {
    const v = judgeSocketPermission({ uid: 65532, gid: 65532, mode: SOCK | 0o077 }, me);
    expect(v).toMatchObject({ allowed: false, via: 'owner' });
    if (!v.allowed) expect(v.remedy).toContain('mode 0660');
  });

  test('a group member without group write is told to make the socket 0660', () => {
    const v = judgeSocketPermission({ uid: 0, gid: 65532, mode: SOCK | 0o640 }, me);
    expect(v).toMatchObject({ allowed: false, via: 'group' });
    if (!v.allowed) {
      expect(v.problem).toContain('owned by uid 0 gid 65532 with mode 0640');
      expect(v.remedy).toContain('0660');
    }
  });

  test('a stranger to a group-writable socket is told the fsGroup to add', () => {
    const v = judgeSocketPermission({ uid: 0, gid: 2000, mode: SOCK | 0o660 }, me);
    expect(v).toMatchObject({ allowed: false, via: 'other' });
    if (!v.allowed) {
      expect(v.problem).toBe('the socket is owned by uid 0 gid 2000 with mode 0660; this process runs as uid 65532 gid 65532 groups [65532], neither its owner nor in its group');
      expect(v.remedy).toContain('fsGroup: 2000');
    }
  });

  test('a stranger to an owner-only socket is told to run as the owner or change the mode', () => {
    const v = judgeSocketPermission({ uid: 1001, gid: 1001, mode: SOCK | 0o600 }, me);
    expect(v).toMatchObject({ allowed: false, via: 'other' });
    if (!v.allowed) expect(v.remedy).toMatch(/^run this container as the socket's owner \(runAsUser: 1001\), or have the driver create the socket with mode 0660/);
  });

  test('octalMode keeps only the permission bits', () => {
    expect(octalMode(SOCK | 0o660)).toBe('0660');
    expect(octalMode(SOCK | 0o7)).toBe('0007');
  });
});
