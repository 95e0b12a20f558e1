// Builds the Failure that ends in status.error and a Warning event. Both decide() (invalid
// objects) and the effects (driver and API errors) use it, so every message has one shape:
// upstream's prefix and text first (people and tools search for them), then what to do about it.

import type { DeleteFailureKind, Failure, Phase } from './action.js';
import type { KindVocabulary } from './kind-vocabulary.js';

export function composeMessage(prefix: string, error: string, remedy: string | undefined): string {
  return remedy === undefined ? `${prefix}${error}` : `${prefix}${error}. Remedy: ${remedy}`;
}

/** A failure on the create (no status yet) or check (status present) path. */
export function operationFailure(
  vocabulary: KindVocabulary,
  phase: 'create' | 'check',
  error: string,
  remedy: string | undefined,
): Failure {
  const ev = phase === 'create' ? vocabulary.createFailed : vocabulary.checkFailed;
  const message = composeMessage(ev.prefix, error, remedy);
  return { phase, eventReason: ev.reason, message, eventMessage: message };
}

export type { DeleteFailureKind } from './action.js';

// Upstream's delete-path events carry fixed texts; status.error gets the detail.
const DELETE_EVENT_TEXT: Readonly<Record<DeleteFailureKind, (noun: string) => string>> = {
  credentials: () => 'Failed to get snapshot credentials',
  delete: (noun) => `Failed to delete ${noun}`,
  'clear-status': () => 'Failed to clear content status',
};

export function deleteFailure(
  vocabulary: KindVocabulary,
  kind: DeleteFailureKind,
  error: string,
  remedy: string | undefined,
): Failure {
  const phase: Phase = 'delete';
  const eventMessage = DELETE_EVENT_TEXT[kind](vocabulary.noun);
  return { phase, deleteKind: kind, eventReason: vocabulary.deleteErrorReason, message: composeMessage(`${eventMessage}: `, error, remedy), eventMessage };
}
