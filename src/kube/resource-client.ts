// A typed client for one cluster-scoped resource: get, list, patch (JSON or merge, optionally on
// the status subresource), replaceStatus (PUT …/status with optimistic concurrency) and, for tests
// and tools only, create (the sidecar itself never creates or deletes objects).
// All calls go through KubeTransport (gate, timeout, int64-exact JSON, KubeApiError).
//
// JSON Patch against the apiserver is lenient (upstream-sidecar §3.6.4): `replace` of a missing
// member acts as `add`, and `replace` without `value` writes null. A failed `test` op is a 422
// (isInvalid). Prefer merge patches of single keys, or `test`+`remove` on a finalizer index.

import { KubeRequestError } from './kube-api-error.js';
import type { KubeTransport } from './kube-transport.js';
import { collectionPath, type ResourceCoordinates } from './resources.js';
import type { KubeObject } from './types.js';

// Values are `unknown` so typed interfaces (a status) can be passed as they are; they are
// serialized by stringifyKubeJson (bigint → exact digits, undefined members dropped).
export type JsonPatchOp =
  | { readonly op: 'add' | 'test'; readonly path: string; readonly value: unknown }
  | { readonly op: 'replace'; readonly path: string; readonly value?: unknown }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'move' | 'copy'; readonly from: string; readonly path: string };

export type MergePatch = Readonly<Record<string, unknown>>;

export type KubePatch =
  | { readonly type: 'json'; readonly ops: readonly JsonPatchOp[] }
  | { readonly type: 'merge'; readonly body: MergePatch };

export interface PatchOptions {
  readonly subresource?: 'status';
  readonly signal: AbortSignal;
}

export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly resourceVersion?: string;
  readonly continue?: string;
  readonly signal: AbortSignal;
}

export interface ListResult<T> {
  readonly items: readonly T[];
  readonly resourceVersion: string;
  /** Token for the next page; undefined on the last page. */
  readonly continue: string | undefined;
}

export interface ResourceClientOptions {
  /** Timeout of one LIST page (large lists take long). Default 120 s. */
  readonly listTimeoutMs?: number;
}

const PATCH_CONTENT_TYPE = { json: 'application/json-patch+json', merge: 'application/merge-patch+json' } as const;

export class ResourceClient<T extends KubeObject> {
  readonly resource: ResourceCoordinates;
  readonly #transport: KubeTransport;
  readonly #collection: string;
  readonly #listTimeoutMs: number;

  constructor(transport: KubeTransport, resource: ResourceCoordinates, options: ResourceClientOptions = {}) {
    this.#transport = transport;
    this.resource = resource;
    this.#collection = collectionPath(resource);
    this.#listTimeoutMs = options.listTimeoutMs ?? 120_000;
  }

  /** Path of one object (optionally its subresource). */
  objectPath(name: string, subresource?: 'status'): string {
    const base = `${this.#collection}/${encodeURIComponent(name)}`;
    return subresource === undefined ? base : `${base}/${subresource}`;
  }

  async get(name: string, signal: AbortSignal): Promise<T> {
    const path = this.objectPath(name);
    return this.#object(await this.#transport.requestJson({ method: 'GET', path, signal }), 'GET', path);
  }

  async list(options: ListOptions): Promise<ListResult<T>> {
    const path = this.#collection;
    const body = await this.#transport.requestJson({
      method: 'GET',
      path,
      query: {
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        limit: options.limit,
        resourceVersion: options.resourceVersion,
        continue: options.continue,
      },
      signal: options.signal,
      timeoutMs: this.#listTimeoutMs,
    });
    if (!isRecord(body) || !Array.isArray(body['items']) || !isRecord(body['metadata'])) {
      throw new KubeRequestError({ code: 'InvalidResponse', method: 'GET', path });
    }
    const meta = body['metadata'];
    const items = body['items'].map((item: unknown) => this.#object(item, 'GET', path));
    const cont = typeof meta['continue'] === 'string' && meta['continue'] !== '' ? meta['continue'] : undefined;
    const rv = typeof meta['resourceVersion'] === 'string' ? meta['resourceVersion'] : '';
    return { items, resourceVersion: rv, continue: cont };
  }

  /** Applies a patch; returns the object as stored by the apiserver after the patch. */
  async patch(name: string, patch: KubePatch, options: PatchOptions): Promise<T> {
    const path = this.objectPath(name, options.subresource);
    const body = patch.type === 'json' ? patch.ops : patch.body;
    const result = await this.#transport.requestJson({
      method: 'PATCH',
      path,
      body,
      contentType: PATCH_CONTENT_TYPE[patch.type],
      signal: options.signal,
    });
    return this.#object(result, 'PATCH', path);
  }

  /** PUT …/status with obj's resourceVersion: 409 (isConflict) when the object changed since. */
  async replaceStatus(obj: T, signal: AbortSignal): Promise<T> {
    const path = this.objectPath(obj.metadata.name, 'status');
    return this.#object(await this.#transport.requestJson({ method: 'PUT', path, body: obj, signal }), 'PUT', path);
  }

  /** For tests and tools: the sidecar never creates objects. */
  async create(obj: T, signal: AbortSignal): Promise<T> {
    const path = this.#collection;
    return this.#object(await this.#transport.requestJson({ method: 'POST', path, body: obj, signal }), 'POST', path);
  }

  #object(value: unknown, method: string, path: string): T {
    if (!isRecord(value) || !isRecord(value['metadata']) || typeof value['metadata']['name'] !== 'string') {
      throw new KubeRequestError({ code: 'InvalidResponse', method, path });
    }
    return value as unknown as T;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
