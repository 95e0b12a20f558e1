// Counts CSI calls from the driver's side, rather than trusting each sidecar's own metrics, so both
// sidecars are measured the same way. csi-driver-host-path (the bench's driver) logs
// `GRPC call: /csi.v1.Controller/CreateSnapshot` for every call at --v=3 and up (Probe only at 5)
// and `GRPC error: …` for every failed one; the Kubernetes e2e CSI mock (earlier results) logged
// `gRPCCall: {"Method":"/csi.v1.Controller/CreateSnapshot",…,"Error":"…"}` at --v=4.

import { klogTimeMs } from './klog-time.js';

const METHOD = /(?:gRPCCall: \{"Method":"|GRPC call: )(\/csi\.v1\.[A-Za-z]+\/[A-Za-z]+)/;
const FAILED = /"Error":"[^"]|GRPC error: /;

export interface CsiCallCounts {
  readonly total: number;
  /** Calls that returned a gRPC error. */
  readonly failed: number;
  /** Full method name → count. */
  readonly by_method: Readonly<Record<string, number>>;
}

export function countCsiCalls(lines: readonly string[]): CsiCallCounts {
  const byMethod = new Map<string, number>();
  let total = 0;
  let failed = 0;
  for (const line of lines) {
    // hostpath reports a failure on a line of its own; the mock on the call's line.
    if (FAILED.test(line)) failed++;
    const m = METHOD.exec(line);
    const method = m?.[1];
    if (method === undefined) continue;
    total++;
    byMethod.set(method, (byMethod.get(method) ?? 0) + 1);
  }
  const sorted = [...byMethod.entries()].sort(([a], [b]) => a.localeCompare(b));
  return { total, failed, by_method: Object.fromEntries(sorted) };
}

const MOCK_DELETED = /gRPCCall: \{"Method":"\/csi\.v1\.Controller\/DeleteSnapshot","Request":\{"snapshot_id":"([^"]+)"/;
/** hostpath's DeleteSnapshot logs this (--v=4) once it has passed its checks, before removing the file. */
const HOSTPATH_DELETED = /\] deleting snapshot (\S+)/;

/**
 * Snapshot ids the driver acknowledged deleting (DeleteSnapshot past its checks). With the mock the
 * bench judged deletions by this rather than by a later ListSnapshots: the mock's DeleteSnapshot
 * removes by slice index under two separate locks, so concurrent deletes could remove the wrong
 * entry. hostpath serialises every call under one mutex, so there its ListSnapshots agrees (the
 * bench records both).
 */
export function deletedSnapshotIds(lines: readonly string[]): ReadonlySet<string> {
  const out = new Set<string>();
  for (const line of lines) {
    const mock = MOCK_DELETED.exec(line)?.[1];
    if (mock !== undefined && !/"Error":"[^"]/.test(line)) out.add(mock);
    const hostpath = HOSTPATH_DELETED.exec(line)?.[1];
    if (hostpath !== undefined) out.add(hostpath);
  }
  return out;
}

export const CREATE_SNAPSHOT = '/csi.v1.Controller/CreateSnapshot';

/**
 * Epoch ms (the line's own klog timestamp) of the first call of `method` the driver logged, or
 * undefined when none. W0 and W5 time "→ the first CreateSnapshot" by this, not by when the bench
 * happened to read the log. A line without a klog header does not count: its time is unknown.
 */
export function firstCallAtMs(lines: readonly string[], method: string, reference?: Date): number | undefined {
  for (const line of lines) {
    if (METHOD.exec(line)?.[1] !== method) continue;
    const at = klogTimeMs(line, reference);
    if (at !== undefined) return at;
  }
  return undefined;
}
