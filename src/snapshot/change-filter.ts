// Which watch updates are worth a sync (upstream ShouldEnqueueContentChange, plus our own-write
// rule). The sidecar's own writes (status, its annotation, finalizer removal) must never trigger a
// sync: that feedback loop is upstream's most-reported bug class (#533, #1009, #1488).

/** Any API object; only these fields are read by name, the rest is compared as a whole. */
export interface ObjectLike {
  readonly metadata?: {
    readonly resourceVersion?: string;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly status?: { readonly readyToUse?: boolean } | null;
}

export type ChangeVerdict = 'resync' | 'changed' | 'ignore';

/**
 * resync: same resourceVersion (periodic resync) — queue at low priority.
 * changed: something another party controls changed (spec, labels, other annotations,
 *   deletionTimestamp) — queue at high priority.
 * ignore: only fields this sidecar writes changed, or the new version is our own write.
 */
export function classifyChange(
  oldObj: ObjectLike,
  newObj: ObjectLike,
  opts: { readonly ownAnnotation: string; readonly isOwnWrite: (resourceVersion: string) => boolean },
): ChangeVerdict {
  const oldRv = oldObj.metadata?.resourceVersion ?? '';
  const newRv = newObj.metadata?.resourceVersion ?? '';
  if (oldRv === newRv) return 'resync';
  if (opts.isOwnWrite(newRv)) return 'ignore';
  // Someone else made it ready (e.g. a second sidecar during a leader change): re-check deletion.
  if (oldObj.status?.readyToUse !== true && newObj.status?.readyToUse === true) return 'changed';
  return stableJson(stripSidecarFields(oldObj, opts.ownAnnotation)) === stableJson(stripSidecarFields(newObj, opts.ownAnnotation))
    ? 'ignore'
    : 'changed';
}

function stripSidecarFields(obj: ObjectLike, ownAnnotation: string): unknown {
  const { status: _status, metadata, ...rest } = obj as ObjectLike & Record<string, unknown>;
  const { resourceVersion: _rv, managedFields: _mf, finalizers: _f, annotations, generation: _g, ...meta } = (metadata ?? {}) as Record<string, unknown> & {
    readonly annotations?: Readonly<Record<string, string>>;
  };
  const otherAnnotations = { ...(annotations ?? {}) };
  delete otherAnnotations[ownAnnotation];
  return { ...rest, metadata: { ...meta, annotations: otherAnnotations } };
}

/** JSON with sorted keys, so key order never counts as a change. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
      return sorted;
    }
    return typeof v === 'bigint' ? v.toString() : v;
  });
}
