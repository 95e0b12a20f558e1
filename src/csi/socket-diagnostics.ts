// Explains why the CSI socket cannot be dialled, for the 30 s give-up error. grpc-js does not
// expose the errno of its last connect attempt, so we stat the path and try one plain
// net.connect ourselves. The most common production failure is a permission mismatch between
// the driver's socket and a non-root sidecar, which deserves a message that names the fix.

import { stat } from 'node:fs/promises';
import net from 'node:net';
import { systemClock, type Clock } from '../base/clock.js';

export type SocketFacts =
  | { readonly kind: 'missing' }
  | { readonly kind: 'not-a-socket'; readonly mode: number }
  | {
      readonly kind: 'permission-denied';
      readonly mode: number;
      readonly ownerUid: number;
      readonly ownerGid: number;
      readonly processUid: number | undefined;
      readonly processGid: number | undefined;
    }
  | { readonly kind: 'connect-failed'; readonly errno: string }
  | { readonly kind: 'connectable' };

function errnoOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}

function tryConnect(socketPath: string, timeoutMs: number, clock: Clock): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ path: socketPath });
    const finish = (errno: string | null): void => {
      timer.cancel();
      socket.destroy();
      resolve(errno);
    };
    const timer = clock.setTimer(() => finish('ETIMEDOUT'), timeoutMs);
    socket.once('connect', () => finish(null));
    socket.once('error', (err) => finish(errnoOf(err)));
  });
}

export interface InspectSocketOptions {
  /** How long the one connect attempt may take; default 1 s. */
  readonly timeoutMs?: number;
  /** Default the system clock. */
  readonly clock?: Clock;
}

/** Gathers what can be learned about `socketPath` from this process (one connect attempt). */
export async function inspectSocket(socketPath: string, options: InspectSocketOptions = {}): Promise<SocketFacts> {
  let info;
  try {
    info = await stat(socketPath);
  } catch (err) {
    const errno = errnoOf(err);
    return errno === 'ENOENT' ? { kind: 'missing' } : { kind: 'connect-failed', errno };
  }
  if (!info.isSocket()) return { kind: 'not-a-socket', mode: info.mode };
  const errno = await tryConnect(socketPath, options.timeoutMs ?? 1000, options.clock ?? systemClock);
  if (errno === null) return { kind: 'connectable' };
  if (errno === 'EACCES' || errno === 'EPERM') {
    return {
      kind: 'permission-denied',
      mode: info.mode,
      ownerUid: info.uid,
      ownerGid: info.gid,
      processUid: process.getuid?.(),
      processGid: process.getgid?.(),
    };
  }
  return { kind: 'connect-failed', errno };
}

function octalMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

/** The part of describeSocketFacts that says what to check or change; '' when it says none. */
export function socketFactsRemedy(facts: SocketFacts): string {
  switch (facts.kind) {
    case 'missing':
      return 'is the CSI driver running and sharing the socket directory with this container?';
    case 'permission-denied':
      return (
        'make the socket writable for this process, e.g. have the driver create it with mode 0660 and a ' +
        "group this container shares (pod securityContext.fsGroup), or run the sidecar as the socket's owner"
      );
    case 'connectable':
      return 'is a gRPC server listening?';
    case 'not-a-socket':
    case 'connect-failed':
      return '';
  }
}

/** One sentence (no trailing period) saying what is wrong with the socket and how to fix it. */
export function describeSocketFacts(socketPath: string, facts: SocketFacts): string {
  const remedy = socketFactsRemedy(facts);
  switch (facts.kind) {
    case 'missing':
      return `socket ${socketPath} does not exist (${remedy})`;
    case 'not-a-socket':
      return `${socketPath} exists but is not a unix socket (mode ${octalMode(facts.mode)})`;
    case 'permission-denied':
      return (
        `permission denied connecting to ${socketPath}: this process runs as uid ${facts.processUid ?? '?'} ` +
        `gid ${facts.processGid ?? '?'}, the socket is owned by uid ${facts.ownerUid} gid ${facts.ownerGid} ` +
        `with mode ${octalMode(facts.mode)}; ${remedy}`
      );
    case 'connect-failed':
      return `connecting to ${socketPath} fails with ${facts.errno}`;
    case 'connectable':
      return `${socketPath} accepts connections but the gRPC handshake did not complete (${remedy})`;
  }
}
