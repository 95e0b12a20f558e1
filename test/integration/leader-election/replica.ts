// One sidecar replica for the leader-election tests: OUR built CLI or the upstream csi-snapshotter
// binary, each in its own UTS namespace with its own hostname (`unshare --uts`, we run as root), so
// the leader-election identity (os.Hostname in both) differs per replica exactly as in a pod.
// unshare and `sh -c exec` replace themselves, so the spawned pid is the sidecar itself and a
// SIGKILL or SIGTERM reaches it directly. Every replica is registered for cleanup by the caller.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SIDECAR_BIN } from '../../support/sidecar-process.js';

export type ReplicaKind = 'ours' | 'upstream';

export interface Replica {
  readonly kind: ReplicaKind;
  readonly hostname: string;
  readonly httpPort: number;
  readonly process: ChildProcess;
  /** Resolves with the exit code, or 128 + signal number. */
  readonly exited: Promise<number>;
  log(): string;
  running(): boolean;
  signal(sig: 'SIGTERM' | 'SIGKILL'): void;
  /** SIGKILL unless already gone; resolves once it has exited. */
  kill(): Promise<number>;
}

export interface StartReplicaOptions {
  readonly kind: ReplicaKind;
  readonly hostname: string;
  readonly upstreamBinary: string;
  readonly kubeconfig: string;
  readonly csiAddress: string;
  readonly dir: string;
  /** Leader-election timing flags, e.g. `--leader-election-lease-duration=4s`. */
  readonly electionArgs: readonly string[];
}

const SIGNAL_NUMBERS: Readonly<Record<string, number>> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2 };

/** A free loopback port (closed again at once; the replica binds it moments later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startReplica(opts: StartReplicaOptions): Promise<Replica> {
  const httpPort = await freePort();
  const logFile = path.join(opts.dir, `${opts.hostname}.log`);
  const common = [
    `--kubeconfig=${opts.kubeconfig}`,
    `--csi-address=${opts.csiAddress}`,
    '--leader-election',
    '--leader-election-namespace=default',
    ...opts.electionArgs,
    `--http-endpoint=127.0.0.1:${httpPort}`,
    '--v=5',
  ];
  const argv =
    opts.kind === 'ours'
      ? [SIDECAR_BIN, ...common, `--termination-log-path=${path.join(opts.dir, `${opts.hostname}.termination-log`)}`]
      : [opts.upstreamBinary, ...common];
  const out = fs.openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    // "$0" is the hostname, "$@" the command: no quoting of paths or flags by hand.
    child = spawn('unshare', ['--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', opts.hostname, ...argv], {
      stdio: ['ignore', out, out],
      env: process.env,
    });
  } finally {
    fs.closeSync(out);
  }
  let alive = true;
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, sig) => {
      alive = false;
      resolve(code ?? 128 + (sig === null ? 0 : (SIGNAL_NUMBERS[sig] ?? 0)));
    });
    child.once('error', () => {
      alive = false;
      resolve(-1);
    });
  });
  return {
    kind: opts.kind,
    hostname: opts.hostname,
    httpPort,
    process: child,
    exited,
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    running: () => alive,
    signal: (sig) => {
      if (alive) child.kill(sig);
    },
    kill: async () => {
      if (alive) child.kill('SIGKILL');
      return exited;
    },
  };
}

/** leader_election_master_status of a replica's /metrics (undefined when it does not answer). */
export async function leaderGauge(replica: Replica): Promise<number | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${replica.httpPort}/metrics`, { signal: AbortSignal.timeout(2_000) });
    const text = await res.text();
    const m = /^leader_election_master_status\{[^}]*\} (\d+)/m.exec(text);
    return m?.[1] === undefined ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}
