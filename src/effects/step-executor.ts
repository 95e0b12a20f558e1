// Carries out one Action from decide(): at most one CSI call and the API writes it implies, in a
// fixed order. It knows nothing of queues; it reports what happened as a StepOutcome and the
// reconciler decides what comes next.

import type { Clock } from '../base/clock.js';
import { CsiRpcError } from '../csi/grpc-errors.js';
import type { Secrets, Snapshotter } from '../csi/snapshotter.js';
import type { KubeObject } from '../kube/types.js';
import type { DriverState, KindAdapter } from '../kinds/kind-adapter.js';
import type { Logger } from '../observability/logger.js';
import type { Action, Failure } from '../snapshot/action.js';
import { classifyCreateError, needsHumanAction, remedyForCode } from '../snapshot/error-class.js';
import { deleteFailure, operationFailure } from '../snapshot/failure.js';
import type { SecretRef } from '../snapshot/secret-reference.js';
import { ContentWriter } from './content-writes.js';
import type { ContentApi, EventSink, OwnWrites, SecretSource } from './ports.js';
import { goQuote } from '../base/go-quote.js';

export type StepOutcome<T> =
  /** The step is done; decide again on this object. */
  | { readonly kind: 'progress'; readonly object: T }
  /** The driver answered "not ready": stop here and poll. */
  | { readonly kind: 'not-ready'; readonly object: T }
  /** The step failed; status.error and an event say why. `humanAction`: retrying soon will not help. */
  | { readonly kind: 'failed'; readonly error: Error; readonly humanAction: boolean };

export class StepFailedError extends Error {
  readonly code = 'STEP_FAILED';
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.name = 'StepFailedError';
  }
}

export interface StepExecutorDeps<T extends KubeObject> {
  readonly adapter: KindAdapter<T>;
  readonly api: ContentApi<T>;
  readonly snapshotter: Snapshotter;
  readonly secrets: SecretSource;
  readonly events: EventSink;
  readonly ownWrites: OwnWrites;
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly timeoutText: string;
  readonly log: Logger;
}

export class StepExecutor<T extends KubeObject> {
  readonly #d: StepExecutorDeps<T>;
  readonly #writer: ContentWriter<T>;

  constructor(deps: StepExecutorDeps<T>) {
    this.#d = deps;
    this.#writer = new ContentWriter({ api: deps.api, ownWrites: deps.ownWrites, clock: deps.clock });
  }

  async run(action: Action, obj: T, signal: AbortSignal): Promise<StepOutcome<T>> {
    const v = this.#d.adapter.vocabulary;
    switch (action.type) {
      case 'mark-being-created':
        return progress(await this.#writer.setAnnotation(obj, v.annBeingCreated, 'yes', signal));
      case 'unmark-being-created':
        return progress(await this.#writer.setAnnotation(obj, v.annBeingCreated, null, signal));
      case 'remove-finalizer':
        return progress(await this.#writer.removeFinalizer(obj, v.finalizer, signal));
      case 'fail':
        return this.#fail(obj, action.failure, false, undefined, signal);
      case 'create':
        return this.#create(action, obj, signal);
      case 'refresh':
        return this.#refresh(action, obj, signal);
      case 'delete-backend':
        return this.#deleteBackend(action, obj, signal);
      case 'ignore':
      case 'done':
      case 'wait':
        return progress(obj);
    }
  }

  async #create(action: Extract<Action, { type: 'create' }>, obj: T, signal: AbortSignal): Promise<StepOutcome<T>> {
    const { adapter } = this.#d;
    const v = adapter.vocabulary;
    const name = obj.metadata.name;
    const secrets = await this.#secrets(action.request.secret, signal);
    if (!secrets.ok) {
      const inner = `cannot get credentials for ${v.noun} content "${name}": ${secrets.error}`;
      return this.#fail(obj, operationFailure(v, action.phase, v.text.inputParameters(name, inner), secrets.remedy), false, undefined, signal);
    }
    let state: DriverState;
    try {
      state = await adapter.create(this.#d.snapshotter, action.request, secrets.data, this.#budget(signal));
    } catch (err) {
      if (signal.aborted) throw err;
      const code = err instanceof CsiRpcError ? err.code : undefined;
      let current = obj;
      // Only a final answer proves the driver created nothing for this name (upstream §3.11, plus
      // our 'ambiguous' class that keeps the annotation on Internal/Unknown, upstream #866).
      if (classifyCreateError(code) === 'final') current = await this.#writer.setAnnotation(obj, v.annBeingCreated, null, signal);
      const failure = operationFailure(v, action.phase, v.text.createFailed(action.request.sourceVolumeHandles, errorText(err)), remedyForCode(code, this.#d.timeoutText));
      return this.#fail(current, failure, needsHumanAction(code), err, signal);
    }
    const nowNs = this.#nowNs();
    if (state.creationTimeNs === null) this.#d.log.warn('CSI driver returned no creation_time; recording the current time', { content: name });
    const written = await this.#writer.writeStatus(obj, (cur) => adapter.statusPatch(cur, state, nowNs), signal);
    this.#d.log.v(2).info(state.readyToUse ? 'Created snapshot' : 'Snapshot created, not ready yet', { content: name, snapshotHandle: state.handle });
    return state.readyToUse ? progress(written) : { kind: 'not-ready', object: written };
  }

  async #refresh(action: Extract<Action, { type: 'refresh' }>, obj: T, signal: AbortSignal): Promise<StepOutcome<T>> {
    const { adapter } = this.#d;
    const v = adapter.vocabulary;
    const name = obj.metadata.name;
    const secrets = await this.#secrets(action.request.secret, signal);
    if (!secrets.ok) {
      return this.#fail(obj, operationFailure(v, 'check', `failed to get credentials for ${v.noun} content ${name}: ${secrets.error}`, secrets.remedy), false, undefined, signal);
    }
    try {
      const answer = await adapter.refresh(this.#d.snapshotter, action.request, secrets.data, this.#budget(signal));
      if (answer.kind === 'not-found') {
        const failure = operationFailure(v, 'check', `failed to list snapshot for content ${name}: "can not find snapshot for snapshotID ${action.request.handle}"`, 'the backend snapshot this content points to does not exist on the driver; check the handle');
        return this.#fail(obj, failure, true, undefined, signal);
      }
      const nowNs = this.#nowNs();
      const written = await this.#writer.writeStatus(obj, (cur) => adapter.statusPatch(cur, answer.state, nowNs), signal);
      return answer.state.readyToUse ? progress(written) : { kind: 'not-ready', object: written };
    } catch (err) {
      if (signal.aborted || !(err instanceof CsiRpcError)) throw err;
      const failure = operationFailure(v, 'check', `failed to list snapshot for content ${name}: ${goQuote(err.message)}`, remedyForCode(err.code, this.#d.timeoutText));
      return this.#fail(obj, failure, needsHumanAction(err.code), err, signal);
    }
  }

  async #deleteBackend(action: Extract<Action, { type: 'delete-backend' }>, obj: T, signal: AbortSignal): Promise<StepOutcome<T>> {
    const { adapter } = this.#d;
    const v = adapter.vocabulary;
    const name = obj.metadata.name;
    const secrets = await this.#secrets(action.request.secret, signal);
    if (!secrets.ok) {
      const error = v.text.deleteInputParameters(name, secrets.error);
      return this.#fail(obj, deleteFailure(v, 'credentials', error, secrets.remedy), false, undefined, signal);
    }
    try {
      await adapter.delete(this.#d.snapshotter, action.request, secrets.data, this.#budget(signal));
    } catch (err) {
      if (signal.aborted) throw err;
      // The spec says a missing snapshot is OK; some drivers answer NotFound anyway (vsphere #1506).
      if (err instanceof CsiRpcError && err.code === 'NotFound') {
        this.#d.log.warn('CSI driver answered NotFound to a delete; treating the snapshot as already deleted', { content: name, handle: action.request.handle });
      } else {
        const code = err instanceof CsiRpcError ? err.code : undefined;
        const error = `failed to delete ${v.noun} "${name}", err: failed to delete ${v.noun} content ${name}: ${goQuote(errorText(err))}`;
        return this.#fail(obj, deleteFailure(v, 'delete', error, remedyForCode(code, this.#d.timeoutText)), needsHumanAction(code), err, signal);
      }
    }
    this.#d.log.v(2).info('Deleted snapshot on the driver', { content: name, handle: action.request.handle });
    return progress(await this.#writer.writeStatus(obj, (cur) => adapter.clearedStatus(cur), signal));
  }

  async #fail(obj: T, failure: Failure, humanAction: boolean, cause: unknown, signal: AbortSignal): Promise<StepOutcome<T>> {
    const { object, changed } = await this.#writer.writeError(obj, failure.message, signal);
    if (changed) {
      const meta = object.metadata;
      this.#d.events.warning(
        { apiVersion: this.#d.adapter.apiVersion, kind: this.#d.adapter.vocabulary.kind, name: meta.name, uid: meta.uid, resourceVersion: meta.resourceVersion },
        failure.eventReason,
        failure.eventMessage,
      );
    }
    return { kind: 'failed', error: new StepFailedError(failure.message, { cause }), humanAction };
  }

  async #secrets(ref: SecretRef | null, signal: AbortSignal): Promise<{ ok: true; data: Secrets } | { ok: false; error: string; remedy: string }> {
    if (ref === null) return { ok: true, data: {} };
    try {
      return { ok: true, data: await this.#d.secrets.getSecretData(ref.namespace, ref.name, signal) };
    } catch (err) {
      if (signal.aborted) throw err;
      return {
        ok: false,
        error: `secret ${ref.namespace}/${ref.name}: ${errorText(err)}`,
        remedy: `create the Secret ${ref.namespace}/${ref.name}, and grant csi-snapshotter's service account "get" on secrets in namespace ${ref.namespace}`,
      };
    }
  }

  /** Clocks may be fractional (virtual time); BigInt() would throw on a fraction. */
  #nowNs(): bigint {
    return BigInt(Math.floor(this.#d.clock.now())) * 1_000_000n;
  }

  #budget(signal: AbortSignal): { readonly deadline: number; readonly signal: AbortSignal } {
    return { deadline: this.#d.clock.now() + this.#d.timeoutMs, signal };
  }
}

function progress<T>(object: T): StepOutcome<T> {
  return { kind: 'progress', object };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
