// Whether this process may open the CSI driver's unix socket, judged from the socket's owner, group
// and mode against our uid, gid and supplementary groups (connect(2) needs write permission on the
// socket file), then confirmed with one real connect (./socket-diagnostics.ts). The judgement is a
// pure function so every owner/group/other case is tested with plain numbers; the verdict names
// what is wrong and which knob fixes it (runAsUser, fsGroup / supplementalGroups, socket mode).

import { stat } from 'node:fs/promises';
import { inspectSocket, type SocketFacts } from './socket-diagnostics.js';

export interface SocketOwnership {
  readonly uid: number;
  readonly gid: number;
  /** st_mode (type bits included; only the permission bits are used). */
  readonly mode: number;
}

export interface ProcessIdentity {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups (process.getgroups()); the primary gid counts whether listed or not. */
  readonly groups: readonly number[];
}

/** Which permission class grants us access, or why none does. */
export type SocketPermission =
  | { readonly allowed: true; readonly via: 'root' | 'owner' | 'group' | 'other' }
  | { readonly allowed: false; readonly via: 'owner' | 'group' | 'other'; readonly problem: string; readonly remedy: string };

const W_OWNER = 0o200;
const W_GROUP = 0o020;
const W_OTHER = 0o002;

export function octalMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

function describeIdentity(p: ProcessIdentity): string {
  const groups = [...new Set([p.gid, ...p.groups])].sort((a, b) => a - b);
  return `uid ${p.uid} gid ${p.gid} groups [${groups.join(',')}]`;
}

/** Pure: may a process with identity `p` connect to a socket with these owner/group/mode bits? */
export function judgeSocketPermission(socket: SocketOwnership, p: ProcessIdentity): SocketPermission {
  // uid 0 has CAP_DAC_OVERRIDE in a default container; the kernel skips the mode check.
  if (p.uid === 0) return { allowed: true, via: 'root' };
  const mode = octalMode(socket.mode);
  const owned = `owned by uid ${socket.uid} gid ${socket.gid} with mode ${mode}`;
  // The kernel uses exactly one class: owner if the uids match, else group if any gid matches, else other.
  if (socket.uid === p.uid) {
    if ((socket.mode & W_OWNER) !== 0) return { allowed: true, via: 'owner' };
    return {
      allowed: false,
      via: 'owner',
      problem: `the socket is ${owned}: its owner (this process, ${describeIdentity(p)}) has no write permission, which connecting needs`,
      remedy: 'have the CSI driver create its socket with mode 0660 (or 0600)',
    };
  }
  const inGroup = socket.gid === p.gid || p.groups.includes(socket.gid);
  if (inGroup) {
    if ((socket.mode & W_GROUP) !== 0) return { allowed: true, via: 'group' };
    return {
      allowed: false,
      via: 'group',
      problem: `the socket is ${owned}: this process (${describeIdentity(p)}) shares its group, but the group has no write permission`,
      remedy: 'have the CSI driver create its socket with mode 0660 (group read/write)',
    };
  }
  if ((socket.mode & W_OTHER) !== 0) return { allowed: true, via: 'other' };
  const groupWritable = (socket.mode & W_GROUP) !== 0;
  return {
    allowed: false,
    via: 'other',
    problem: `the socket is ${owned}; this process runs as ${describeIdentity(p)}, neither its owner nor in its group`,
    remedy: groupWritable
      ? `add group ${socket.gid} to this container (pod securityContext.fsGroup: ${socket.gid} or supplementalGroups: [${socket.gid}]), or run it as the socket's owner (runAsUser: ${socket.uid})`
      : `run this container as the socket's owner (runAsUser: ${socket.uid}), or have the driver create the socket with mode 0660 and a group this container has (pod securityContext.fsGroup)`,
  };
}

/** What the socket check found, as plain data for the report. */
export type SocketCheck =
  | { readonly kind: 'ok'; readonly socketPath: string; readonly ownership: SocketOwnership | undefined; readonly via: 'root' | 'owner' | 'group' | 'other' }
  | { readonly kind: 'denied'; readonly socketPath: string; readonly problem: string; readonly remedy: string }
  | { readonly kind: 'unusable'; readonly socketPath: string; readonly facts: Exclude<SocketFacts, { readonly kind: 'connectable' }> };

export function currentProcessIdentity(): ProcessIdentity | undefined {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  if (uid === undefined || gid === undefined) return undefined;
  return { uid, gid, groups: process.getgroups?.() ?? [] };
}

/**
 * Stats the socket, judges the permission bits, then tries one connect: the connect has the last
 * word (ACLs, capabilities and LSMs are invisible to the mode bits), the judgement the explanation.
 */
export async function checkSocketAccess(socketPath: string, identity: ProcessIdentity | undefined = currentProcessIdentity()): Promise<SocketCheck> {
  let ownership: SocketOwnership | undefined;
  try {
    const info = await stat(socketPath);
    ownership = { uid: info.uid, gid: info.gid, mode: info.mode };
  } catch {
    // inspectSocket below reports missing / unreachable paths with their errno.
  }
  const judged = ownership !== undefined && identity !== undefined ? judgeSocketPermission(ownership, identity) : undefined;
  const facts = await inspectSocket(socketPath);
  if (facts.kind === 'connectable') {
    return { kind: 'ok', socketPath, ownership, via: judged?.allowed === true ? judged.via : 'other' };
  }
  if (facts.kind === 'permission-denied' && judged !== undefined && !judged.allowed) {
    return { kind: 'denied', socketPath, problem: judged.problem, remedy: judged.remedy };
  }
  return { kind: 'unusable', socketPath, facts };
}
