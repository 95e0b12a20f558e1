// Starts one of the two sidecars under comparison against a bench world with identical flags, and
// knows how each one says "my caches are synced": ours logs "Caches synced" (per controller) at any verbosity;
// upstream v8.6.0 logs "controller initialized" only at --v=4 (below that, "Starting CSI
// snapshotter" is logged just before its cache sync, and the bench waits a settle period after it).
// W5's replicas each run in their own UTS namespace with their own hostname (`unshare --uts`, the
// bench runs as root), because both sidecars take their leader-election identity from the hostname,
// exactly as two pods would; unshare and `sh -c exec` replace themselves, so the pid is the sidecar's.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { SIDECAR_BIN } from '../test/support/sidecar-process.js';
import { freePort } from '../test/world/ports.js';
import { startProcess } from '../test/world/proc.js';
import type { ManagedProcess } from '../test/world/proc.js';
import { BenchError } from './bench-error.js';
import type { BenchWorld } from './bench-world.js';
import { klogTimeMs } from './klog-time.js';
import { readNewLines } from './log-slice.js';

export type Side = 'ours' | 'upstream';

export interface SidecarUnderTest {
  readonly side: Side;
  readonly pid: number;
  readonly metricsUrl: string;
  readonly logPath: string;
  /** The User-Agent name its API requests carry in the audit log (matched as `<name>/…`). */
  readonly userAgentName: string;
  /** Epoch ms just before spawn. */
  readonly spawnedAtMs: number;
  /** Its leader-election identity when started with one of its own (W5). */
  readonly hostname?: string;
  readonly process: ManagedProcess;
}

export interface StartSidecarUnderTestOptions {
  readonly side: Side;
  readonly world: BenchWorld;
  readonly upstreamBinary: string;
  /** Workload flags, identical for both sides (`--kube-api-qps=…`, `--worker-threads=…`, `--v=…`). */
  readonly flags: readonly string[];
  /** Extra environment for ours only (e.g. NODE_OPTIONS=--cpu-prof). */
  readonly oursEnv?: Readonly<Record<string, string>>;
  /** Run in a UTS namespace of its own with this hostname (the leader-election identity). */
  readonly hostname?: string;
}

/** The spawn command: the binary itself, or wrapped so it runs under its own hostname. */
export function spawnCommand(binary: string, args: readonly string[], hostname?: string): { readonly binary: string; readonly args: readonly string[] } {
  if (hostname === undefined) return { binary, args };
  // "$0" is the hostname, "$@" the command: no quoting of paths or flags by hand.
  return { binary: 'unshare', args: ['--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', hostname, binary, ...args] };
}

export async function startSidecarUnderTest(opts: StartSidecarUnderTestOptions): Promise<SidecarUnderTest> {
  const port = await freePort();
  const binary = opts.side === 'ours' ? SIDECAR_BIN : opts.upstreamBinary;
  const spawnedAtMs = Date.now();
  const cmd = spawnCommand(
    binary,
    [`--kubeconfig=${opts.world.kubeconfig}`, `--csi-address=${opts.world.csiEndpoint}`, `--http-endpoint=127.0.0.1:${port}`, ...opts.flags],
    opts.hostname,
  );
  const proc = startProcess({
    name: opts.hostname === undefined ? `sidecar-${opts.side}` : `sidecar-${opts.side}-${opts.hostname}`,
    binary: cmd.binary,
    logDir: opts.world.logDir,
    args: cmd.args,
    ...(opts.side === 'ours' && opts.oursEnv ? { env: opts.oursEnv } : {}),
  });
  return {
    side: opts.side,
    pid: proc.pid,
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    logPath: proc.logPath,
    userAgentName: opts.side === 'ours' ? 'csi-snapshotter' : 'csi-snapshotter-upstream',
    spawnedAtMs,
    ...(opts.hostname !== undefined ? { hostname: opts.hostname } : {}),
    process: proc,
  };
}

function verbosity(flags: readonly string[]): number {
  for (const f of flags) {
    const m = /^--?v=(\d+)$/.exec(f);
    if (m) return Number(m[1]);
  }
  return 0;
}

/** The log line that marks caches synced for this side at this verbosity, and whether it is exact. */
export function syncMarker(side: Side, flags: readonly string[]): { readonly pattern: RegExp; readonly exact: boolean } {
  // Ours logs one "Caches synced" per kind controller; the VolumeSnapshotContent one is the sync
  // W3 measures (older builds logged a single line without a controller field).
  if (side === 'ours') return { pattern: /Caches synced(?!.*controller=)|Caches synced.*controller="VolumeSnapshotContent"/, exact: true };
  return verbosity(flags) >= 4 ? { pattern: /controller initialized/, exact: true } : { pattern: /Starting CSI snapshotter/, exact: false };
}

export interface SyncResult {
  /** Process spawn → the marker line's own klog timestamp. */
  readonly syncSeconds: number;
  /** False when the marker precedes the sync (upstream below --v=4): syncSeconds is then a lower bound. */
  readonly exact: boolean;
}

/** spawn → the first sync-marker line of `lines` (its klog time), or undefined when there is none yet. */
export function syncFromLines(side: Side, flags: readonly string[], spawnedAtMs: number, lines: readonly string[]): SyncResult | undefined {
  const { pattern, exact } = syncMarker(side, flags);
  const at = lines.filter((l) => pattern.test(l)).map((l) => klogTimeMs(l)).find((t) => t !== undefined);
  return at === undefined ? undefined : { syncSeconds: (at - spawnedAtMs) / 1000, exact };
}

/**
 * Waits for the sync marker (failing fast if the sidecar exits), then `settleMs` more so an
 * inexact marker is followed by the actual sync of a small cluster.
 */
export async function waitForSync(
  sut: SidecarUnderTest,
  opts: { readonly flags: readonly string[]; readonly timeoutMs: number; readonly settleMs: number; readonly signal: AbortSignal },
): Promise<SyncResult> {
  const { pattern, exact } = syncMarker(sut.side, opts.flags);
  const deadline = performance.now() + opts.timeoutMs;
  let offset = 0;
  for (;;) {
    opts.signal.throwIfAborted();
    if (!sut.process.isRunning()) {
      throw new BenchError('sidecar-exited', `${sut.side} sidecar exited before syncing; see ${sut.logPath}:\n${tail(sut.logPath)}`);
    }
    const chunk = readNewLines(sut.logPath, offset);
    const line = chunk.lines.find((l) => pattern.test(l));
    if (line !== undefined) {
      const at = klogTimeMs(line) ?? Date.now();
      await sleep(opts.settleMs, undefined, { signal: opts.signal });
      return { syncSeconds: (at - sut.spawnedAtMs) / 1000, exact };
    }
    offset = chunk.next;
    if (performance.now() > deadline) {
      throw new BenchError('timeout', `${sut.side} sidecar: no ${pattern} in ${sut.logPath} after ${opts.timeoutMs} ms:\n${tail(sut.logPath)}`);
    }
    await sleep(25, undefined, { signal: opts.signal });
  }
}

function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n');
  } catch {
    return '';
  }
}
