// Counts CSI calls from the driver's side: the Kubernetes e2e CSI mock logs every gRPC call it
// serves at --v=4 as `gRPCCall: {"Method":"/csi.v1.Controller/CreateSnapshot",...}`. Counting
// there, rather than trusting each sidecar's own metrics, measures both sidecars the same way.

const METHOD = /gRPCCall: \{"Method":"([^"]+)"/;
const FAILED = /"Error":"[^"]/;

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
    const m = METHOD.exec(line);
    const method = m?.[1];
    if (method === undefined) continue;
    total++;
    if (FAILED.test(line)) failed++;
    byMethod.set(method, (byMethod.get(method) ?? 0) + 1);
  }
  const sorted = [...byMethod.entries()].sort(([a], [b]) => a.localeCompare(b));
  return { total, failed, by_method: Object.fromEntries(sorted) };
}

const DELETED = /gRPCCall: \{"Method":"\/csi\.v1\.Controller\/DeleteSnapshot","Request":\{"snapshot_id":"([^"]+)"/;

/**
 * Snapshot ids the driver acknowledged deleting (DeleteSnapshot without error). The bench judges
 * deletions by this rather than by a later ListSnapshots: the mock's DeleteSnapshot looks the
 * snapshot up and removes it by slice index under two separate locks, so concurrent deletes can
 * remove the wrong entry and leave another behind (a defect of the mock, not of the sidecar).
 */
export function deletedSnapshotIds(lines: readonly string[]): ReadonlySet<string> {
  const out = new Set<string>();
  for (const line of lines) {
    const id = DELETED.exec(line)?.[1];
    if (id !== undefined && !FAILED.test(line)) out.add(id);
  }
  return out;
}
