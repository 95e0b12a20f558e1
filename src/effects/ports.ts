// The narrow interfaces the effects need from Kubernetes access, so effects can be exercised with
// in-memory fakes and the kube layer can change underneath without touching the write ordering.

import type { InvolvedObject } from '../kube/event-recorder.js';
import type { JsonPatchOp, KubePatch } from '../kube/resource-client.js';
import type { KubeObject } from '../kube/types.js';

export interface ContentApi<T extends KubeObject> {
  get(name: string, signal: AbortSignal): Promise<T>;
  patch(name: string, patch: KubePatch, options: { readonly subresource?: 'status'; readonly signal: AbortSignal }): Promise<T>;
}

export interface SecretSource {
  /** Decoded Secret data; rejects with an error that names ns/name and never a value. */
  getSecretData(namespace: string, name: string, signal: AbortSignal): Promise<Readonly<Record<string, string>>>;
}

export interface EventSink {
  /** Best effort: never throws, never blocks the reconcile on the API. */
  warning(object: InvolvedObject, reason: string, message: string): void;
}

/**
 * Where the writer reports the resourceVersion of each write it made. The event source
 * (controller/content-event-source.ts) owns the log behind it and reads it back, so the watch event
 * of our own write does not trigger a sync; effects only ever record.
 */
export interface OwnWriteRecorder {
  record(name: string, resourceVersion: string | undefined): void;
}

export type { JsonPatchOp, KubePatch };
