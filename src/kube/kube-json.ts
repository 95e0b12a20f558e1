// JSON encoding for API bodies with exact int64 (trap T7). VolumeSnapshotContent
// status.creationTime is Unix nanoseconds (~1.7e18 > 2^53): plain JSON.parse rounds it and
// JSON.stringify throws on bigint. Node 24 solves both without body swapping: the parse reviver
// receives the source text of each primitive (`context.source`) and `JSON.rawJSON` emits raw digits.

/** A JSON value as we send it: bigint stands for an integer that must go out digit-exact. */
export type JsonValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue | undefined };

// Neither API is in TypeScript's lib yet (TS 6.0); both exist in V8 >= 11.4 / Node >= 21.
interface ReviverContext {
  readonly source?: string;
}
const json = JSON as JSON & { rawJSON(text: string): unknown };

const INTEGER_TEXT = /^-?\d+$/;
// Only integers of 16+ digits can be unsafe; skipping the reviver otherwise keeps big LIST
// responses on V8's fast parse path.
const MAYBE_UNSAFE_INTEGER = /\d{16}/;

function reviveUnsafeInteger(_key: string, value: unknown, context?: ReviverContext): unknown {
  if (typeof value === 'number' && !Number.isSafeInteger(value) && Number.isInteger(value)) {
    const source = context?.source;
    if (source !== undefined && INTEGER_TEXT.test(source)) return BigInt(source);
  }
  return value;
}

/** Parses an API body; integers beyond 2^53 become bigint (exact), all others stay number. */
export function parseKubeJson(text: string): unknown {
  return MAYBE_UNSAFE_INTEGER.test(text) ? JSON.parse(text, reviveUnsafeInteger) : JSON.parse(text);
}

function bigintAsRawDigits(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? json.rawJSON(value.toString()) : value;
}

/** Serializes a body; bigint values are written as exact JSON integers. */
export function stringifyKubeJson(value: unknown): string {
  return JSON.stringify(value, bigintAsRawDigits);
}
