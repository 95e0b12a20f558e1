// An in-memory stand-in for the apiserver's handling of one cluster-scoped CRD with a status
// subresource, for unit tests of the effects. It enforces what the real server enforces and our
// writes rely on: resourceVersion preconditions (409), the main/status split (a write to one
// ignores the other's fields), RFC 7386 merge patches, and the lenient JSON Patch of §3.6.4
// (`replace` of a missing member adds; a failed `test` is 422). Integration tests use the real one.

import { KubeApiError } from '../../src/kube/kube-api-error.js';
import type { ContentApi } from '../../src/effects/ports.js';
import type { JsonPatchOp, KubePatch } from '../../src/kube/resource-client.js';
import type { KubeObject } from '../../src/kube/types.js';

export interface RecordedRequest {
  readonly verb: 'get' | 'patch';
  readonly name: string;
  readonly subresource?: 'status';
  readonly patch?: KubePatch;
}

type Json = Record<string, unknown>;

export class FakeContentApi<T extends KubeObject> implements ContentApi<T> {
  readonly requests: RecordedRequest[] = [];
  readonly #objects = new Map<string, Json>();
  #rv = 100;
  readonly #faults: { verb: 'get' | 'patch'; code: number }[] = [];
  /** Runs before the next patch is applied (simulates a concurrent writer). */
  beforeNextPatch: ((api: FakeContentApi<T>) => void) | undefined;

  seed(obj: T): T {
    const stored = structuredClone(obj) as unknown as Json;
    (stored.metadata as Json).resourceVersion = String(++this.#rv);
    this.#objects.set(obj.metadata.name, stored);
    return this.current(obj.metadata.name) as T;
  }

  current(name: string): T | undefined {
    const o = this.#objects.get(name);
    return o === undefined ? undefined : (structuredClone(o) as unknown as T);
  }

  /** Write by another party (bumps the resourceVersion). */
  mutate(name: string, fn: (obj: Json) => void): void {
    const o = this.#objects.get(name);
    if (o === undefined) throw new Error(`no ${name}`);
    fn(o);
    (o.metadata as Json).resourceVersion = String(++this.#rv);
  }

  remove(name: string): void {
    this.#objects.delete(name);
  }

  failNext(verb: 'get' | 'patch', code: number): void {
    this.#faults.push({ verb, code });
  }

  writes(): readonly RecordedRequest[] {
    return this.requests.filter((r) => r.verb === 'patch');
  }

  async get(name: string): Promise<T> {
    this.requests.push({ verb: 'get', name });
    this.#fault('get', name);
    const o = this.current(name);
    if (o === undefined) throw notFound('GET', name);
    return o;
  }

  async patch(name: string, patch: KubePatch, options: { readonly subresource?: 'status' }): Promise<T> {
    this.requests.push({ verb: 'patch', name, patch, ...(options.subresource ? { subresource: options.subresource } : {}) });
    const hook = this.beforeNextPatch;
    this.beforeNextPatch = undefined;
    hook?.(this);
    this.#fault('patch', name);
    const stored = this.#objects.get(name);
    if (stored === undefined) throw notFound('PATCH', name);
    let next = structuredClone(stored);
    if (patch.type === 'merge') {
      const wantRv = (patch.body.metadata as Json | undefined)?.resourceVersion;
      if (wantRv !== undefined && wantRv !== (stored.metadata as Json).resourceVersion) throw conflict(name);
      next = mergePatch(next, patch.body) as Json;
    } else {
      next = applyJsonPatch(next, patch.ops, name);
    }
    // The status subresource only takes status; the main resource ignores status.
    if (options.subresource === 'status') next = { ...stored, status: next.status };
    else next = { ...next, status: stored.status };
    if (next.status === undefined || next.status === null) delete next.status;
    (next.metadata as Json).resourceVersion = String(++this.#rv);
    this.#objects.set(name, next);
    return structuredClone(next) as unknown as T;
  }

  #fault(verb: 'get' | 'patch', name: string): void {
    const i = this.#faults.findIndex((f) => f.verb === verb);
    if (i < 0) return;
    const [f] = this.#faults.splice(i, 1);
    if (f !== undefined) throw new KubeApiError({ method: verb.toUpperCase(), path: `/x/${name}`, code: f.code, status: { reason: 'Injected', message: 'injected fault' } });
  }
}

function notFound(method: string, name: string): KubeApiError {
  return new KubeApiError({ method, path: `/x/${name}`, code: 404, status: { reason: 'NotFound', message: `"${name}" not found` } });
}

function conflict(name: string): KubeApiError {
  return new KubeApiError({ method: 'PATCH', path: `/x/${name}`, code: 409, status: { reason: 'Conflict', message: 'the object has been modified' } });
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Json = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Json) } : {};
  for (const [k, v] of Object.entries(patch as Json)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], typeof v === 'bigint' ? v : v);
  }
  return out;
}

function applyJsonPatch(doc: Json, ops: readonly JsonPatchOp[], name: string): Json {
  const out = structuredClone(doc);
  for (const op of ops) {
    const parts = op.path.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = parts.pop() ?? '';
    let parent: unknown = out;
    for (const p of parts) {
      const holder = parent as Record<string, unknown>;
      if (holder[p] === undefined || holder[p] === null) holder[p] = {};
      parent = holder[p];
    }
    const holder = parent as Record<string, unknown> & unknown[];
    const isArray = Array.isArray(parent);
    switch (op.op) {
      case 'test':
        if (JSON.stringify(holder[last as never]) !== JSON.stringify(op.value)) {
          throw new KubeApiError({ method: 'PATCH', path: `/x/${name}`, code: 422, status: { reason: 'Invalid', message: `test failed at ${op.path}` } });
        }
        break;
      case 'remove':
        if (isArray) (parent as unknown[]).splice(Number(last), 1);
        else delete holder[last as never];
        break;
      case 'add':
      case 'replace':
        // Lenient: replace of a missing member adds it; replace without value writes null.
        (holder as Record<string, unknown>)[last] = 'value' in op ? op.value : null;
        break;
      default:
        throw new Error(`unsupported op ${op.op}`);
    }
  }
  return out;
}
