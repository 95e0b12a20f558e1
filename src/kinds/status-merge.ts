// Status-patch rules both content kinds follow alike (upstream updateSnapshotContentStatus and
// updateGroupSnapshotContentStatus, clearSnapshotContentStatus and its group twin): readiness
// follows the driver and clears a stale error when it turns ready, clearing nulls only fields
// that are set, and a patch that changes nothing is no patch at all (the writer then skips it).

/** Patches readyToUse when the driver's answer differs; becoming ready drops status.error. */
export function mergeReadiness(
  patch: Record<string, unknown>,
  current: { readonly readyToUse?: boolean; readonly error?: unknown },
  readyToUse: boolean,
): void {
  if (current.readyToUse === readyToUse) return;
  patch.readyToUse = readyToUse;
  if (readyToUse && current.error !== undefined) patch.error = null;
}

/** Nulls each of `fields` that the status has set; null when there is nothing to clear. */
export function clearedFields<S extends object>(status: S | undefined, fields: readonly (keyof S & string)[]): Record<string, unknown> | null {
  if (status === undefined) return null;
  const patch: Record<string, unknown> = {};
  for (const field of fields) {
    if (status[field] !== undefined && status[field] !== null) patch[field] = null;
  }
  return nonEmpty(patch);
}

/** The patch, or null when it changes nothing. */
export function nonEmpty(patch: Record<string, unknown>): Record<string, unknown> | null {
  return Object.keys(patch).length === 0 ? null : patch;
}
