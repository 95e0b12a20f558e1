// The CSI name of a backend (group) snapshot: the idempotency key the driver dedupes on. It must be
// byte-identical to upstream's (`<prefix>-<uid>`, makeSnapshotName) so a switch between upstream
// and this sidecar mid-operation converges on the same backend object.

export type NameResult = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly error: string };

/**
 * uuidLength -1 keeps the UID as is; N in 0..32 drops dashes and keeps the first N characters.
 * Out-of-range lengths are rejected at flag parsing; they are re-checked here because upstream
 * panics on them and a crash loop is worse than an error.
 */
export function makeSnapshotName(prefix: string, uid: string, uuidLength: number, missingUidError: string): NameResult {
  if (uid === '') return { ok: false, error: missingUidError };
  if (uuidLength === -1) return { ok: true, name: `${prefix}-${uid}` };
  const compact = uid.replaceAll('-', '');
  if (!Number.isInteger(uuidLength) || uuidLength < 0 || uuidLength > compact.length) {
    return {
      ok: false,
      error: `name uuid length ${uuidLength} is out of range for UID ${uid}: use -1 or 0..${compact.length}`,
    };
  }
  return { ok: true, name: `${prefix}-${compact.slice(0, uuidLength)}` };
}
