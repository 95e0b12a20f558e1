// Reads `csi_sidecar_operations_seconds_count` from a sidecar's Prometheus endpoint: both sidecars
// export it with the same labels, so it is the sidecars' own view of their CSI calls (the driver's
// log is the bench's primary count; this one cross-checks it).
import { httpGet } from '../test/world/http-get.js';

const SERIES = /^csi_sidecar_operations_seconds_count\{([^}]*)\}\s+([0-9.eE+-]+)\s*$/;
const METHOD_LABEL = /method_name="([^"]*)"/;

/** method_name → summed count across driver names and status codes. */
export function parseOperationCounts(text: string): Readonly<Record<string, number>> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = SERIES.exec(line);
    if (!m) continue;
    const method = METHOD_LABEL.exec(m[1] ?? '')?.[1] ?? 'unknown';
    out.set(method, (out.get(method) ?? 0) + Number(m[2]));
  }
  return Object.fromEntries([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

export async function scrapeOperationCounts(metricsUrl: string, signal: AbortSignal): Promise<Readonly<Record<string, number>>> {
  const res = await httpGet(metricsUrl, signal);
  return res.status === 200 ? parseOperationCounts(res.body) : {};
}

/** after − before per method (a counter read twice around a phase). */
export function diffCounts(
  after: Readonly<Record<string, number>>,
  before: Readonly<Record<string, number>>,
): Readonly<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}
