// Counts one sidecar's API requests from the apiserver audit log (JSON lines, Metadata level,
// RequestReceived omitted). A request is one auditID: a watch logs ResponseStarted and, when it
// ends, ResponseComplete. The user agent tells the sidecars apart: ours sends
// `csi-snapshotter/<version>`, upstream's client-go default is `csi-snapshotter-upstream/v0.0.0 (…)`,
// so matching is on "<prefix>/" and never on a bare prefix.

export interface ApiCounts {
  /** Every request of this user agent, list and watch included. */
  readonly total: number;
  /** list + watch: informer traffic, reported but not charged per snapshot. */
  readonly list_watch: number;
  /** total − list_watch: what the per-snapshot figure divides. */
  readonly per_object: number;
  /** `verb resource[/subresource]` → count, e.g. `patch volumesnapshotcontents/status`. */
  readonly by_verb: Readonly<Record<string, number>>;
}

interface AuditEvent {
  readonly auditID?: string;
  readonly verb?: string;
  readonly userAgent?: string;
  readonly objectRef?: { readonly resource?: string; readonly subresource?: string };
}

/** Matches `ua` when it is exactly `name` or starts with `name/`. */
export function userAgentIs(ua: string | undefined, name: string): boolean {
  return ua !== undefined && (ua === name || ua.startsWith(`${name}/`));
}

export function countApiRequests(lines: readonly string[], userAgentName: string): ApiCounts {
  const seen = new Set<string>();
  const byVerb = new Map<string, number>();
  let listWatch = 0;
  for (const line of lines) {
    let ev: AuditEvent;
    try {
      ev = JSON.parse(line) as AuditEvent;
    } catch {
      continue;
    }
    if (!userAgentIs(ev.userAgent, userAgentName) || ev.auditID === undefined || seen.has(ev.auditID)) continue;
    seen.add(ev.auditID);
    const verb = ev.verb ?? 'unknown';
    if (verb === 'list' || verb === 'watch') listWatch++;
    const resource = ev.objectRef?.resource ?? 'non-resource';
    const sub = ev.objectRef?.subresource ? `/${ev.objectRef.subresource}` : '';
    const key = `${verb} ${resource}${sub}`;
    byVerb.set(key, (byVerb.get(key) ?? 0) + 1);
  }
  const sorted = [...byVerb.entries()].sort(([a], [b]) => a.localeCompare(b));
  return { total: seen.size, list_watch: listWatch, per_object: seen.size - listWatch, by_verb: Object.fromEntries(sorted) };
}

/** Requests on coordination Leases (leader election: W5's renewals), which are not per-snapshot work. */
export function leaseRequests(api: ApiCounts): number {
  return Object.entries(api.by_verb)
    .filter(([key]) => key.split(' ')[1]?.split('/')[0] === 'leases')
    .reduce((sum, [, n]) => sum + n, 0);
}
