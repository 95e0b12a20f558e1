// The last line of defence for the "no secrets in logs" promise: every value the logger prints
// passes through redactSecrets, which replaces any property named `secrets` (the CSI request
// field, at any depth, in objects and Maps) with a marker, whatever verbosity asked for the line.
// Upstream's protosanitizer strips fields tagged csi_secret; proto-loader drops that tag, so we
// strip by name instead (node-ecosystem T14).

export const STRIPPED = '***stripped***';
const SECRET_KEY = 'secrets';
const MAX_DEPTH = 32;

function redactInner(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date || value instanceof Error || ArrayBuffer.isView(value)) return value;
  if (seen.has(value) || depth > MAX_DEPTH) return '[Circular]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => redactInner(v, seen, depth + 1));
    if (value instanceof Map) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of value) {
        const key = String(k);
        out[key] = key === SECRET_KEY ? STRIPPED : redactInner(v, seen, depth + 1);
      }
      return out;
    }
    if (value instanceof Set) return [...value].map((v) => redactInner(v, seen, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === SECRET_KEY ? STRIPPED : redactInner(v, seen, depth + 1);
    }
    return out;
  } finally {
    // Only ancestors count as cycles: the same object twice in siblings is printed twice.
    seen.delete(value);
  }
}

/**
 * A deep copy of a JSON-like value with every `secrets` property (any depth, objects and Maps)
 * replaced by "***stripped***". Maps become plain objects and Sets arrays, as JSON would show them.
 * Cycles become "[Circular]". Dates, Errors and byte arrays are returned as they are.
 */
export function redactSecrets(value: unknown): unknown {
  return redactInner(value, new WeakSet(), 0);
}

/** redactSecrets over a fields record, keeping the top-level key `secrets` out as well. */
export function redactFields(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = k === SECRET_KEY ? STRIPPED : redactSecrets(v);
  return out;
}
