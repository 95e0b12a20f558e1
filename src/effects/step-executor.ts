// Carries out one Action from decide(): at most one CSI call and the API writes it implies, in a
// fixed order. It knows nothing of queues; it reports what happened as a StepOutcome and the
// reconciler decides what comes next.
//
// Failure reporting follows upstream: a Warning event is emitted even when the status write that
// goes with it fails; create and check failures are written to status.error (readyToUse=false) and
// announced once per new message; delete-path failures are announced on every attempt (the event's
// count grows, as upstream's) and only status.error is written, never readyToUse.

import type { Clock } from '../base/clock.js';
import { CodedError, type CodedErrorOptions } from '../base/coded-error.js';
import type { CallKind, CallSlots, Permit } from '../base/inflight-limiter.js';
import { CsiRpcError } from '../csi/grpc-errors.js';
import type { Secrets, Snapshotter } from '../csi/snapshotter.js';
import type { KubeObject } from '../kube/types.js';
import type { DriverState, KindAdapter } from '../kinds/kind-adapter.js';
import type { Logger } from '../observability/logger.js';
import type { Action, Failure, GiveUp } from '../snapshot/action.js';
import { classifyCreateError, remedyForCode } from '../snapshot/error-class.js';
import type { ContentKind } from '../snapshot/kind-vocabulary.js';
import { deleteFailure, operationFailure } from '../snapshot/failure.js';
import type { SecretRef } from '../snapshot/secret-reference.js';
import { ContentGoneError, ContentWriter } from './content-writes.js';
import type { ContentApi, EventSink, OwnWriteRecorder, SecretSource } from './ports.js';
import { goQuote } from '../base/go-quote.js';

export type StepOutcome<T> =
  /** The step is done; decide again on this object. */
  | { readonly kind: 'progress'; readonly object: T }
  /** The driver answered "not ready": stop here and poll. */
  | { readonly kind: 'not-ready'; readonly object: T }
  /** The step failed; status.error and an event say why. Retried with the error back-off. */
  | { readonly kind: 'failed'; readonly error: Error }
  /**
   * No backend slot free (--max-inflight-creates/-deletes, or the source volume has a call in
   * flight): nothing was called or written. Not a failure: the key is woken when a slot is
   * reserved for it, and looks again after retryAfterMs at the latest, without back-off.
   */
  | { readonly kind: 'throttled'; readonly retryAfterMs: number };

/**
 * What one reconcile pass has already read, so the create that follows mark-being-created sends
 * the credentials checked before the annotation was written (no second read that could fail).
 */
export class StepPass {
  readonly credentials = new Map<string, Secrets>();
}

export class StepFailedError extends CodedError<'STEP_FAILED'> {
  override readonly name = 'StepFailedError';
  constructor(message: string, options?: CodedErrorOptions) {
    super('STEP_FAILED', message, options);
  }
}

export interface StepExecutorDeps<T extends KubeObject> {
  readonly adapter: KindAdapter<T>;
  readonly api: ContentApi<T>;
  readonly snapshotter: Snapshotter;
  readonly secrets: SecretSource;
  readonly events: EventSink;
  readonly ownWrites: OwnWriteRecorder;
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly timeoutText: string;
  readonly log: Logger;
  /** Counts a create given up on after deletion was requested (csi_snapshotter_possible_orphans_total). */
  readonly onPossibleOrphan?: (kind: ContentKind) => void;
  /**
   * The backend concurrency limit (absent when neither --max-inflight-* flag is set: upstream's
   * behaviour, every call at once). `wake(name)` queues the content when a slot is reserved for it.
   */
  readonly slots?: { readonly limiter: CallSlots; readonly wake: (name: string) => void };
}

export class StepExecutor<T extends KubeObject> {
  readonly #d: StepExecutorDeps<T>;
  readonly #writer: ContentWriter<T>;

  constructor(deps: StepExecutorDeps<T>) {
    this.#d = deps;
    this.#writer = new ContentWriter({ api: deps.api, ownWrites: deps.ownWrites, clock: deps.clock });
  }

  async run(action: Action, obj: T, signal: AbortSignal, pass: StepPass = new StepPass()): Promise<StepOutcome<T>> {
    const v = this.#d.adapter.vocabulary;
    switch (action.type) {
      case 'mark-being-created':
        return this.#markBeingCreated(action, obj, signal, pass);
      case 'unmark-being-created':
        return progress(await this.#writer.setAnnotation(obj, v.annBeingCreated, null, signal));
      case 'remove-finalizer':
        return progress(await this.#writer.removeFinalizer(obj, v.finalizer, signal));
      case 'fail':
        return this.#fail(obj, action.failure, undefined, signal);
      case 'create':
        return this.#create(action, obj, signal, pass);
      case 'abandon-create':
        return this.#abandonCreate(obj, action.giveUp, action.reason, signal);
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

  /** Upstream order: credentials first, then the annotation; an unreadable Secret leaves none. */
  async #markBeingCreated(action: Extract<Action, { type: 'mark-being-created' }>, obj: T, signal: AbortSignal, pass: StepPass): Promise<StepOutcome<T>> {
    const v = this.#d.adapter.vocabulary;
    const secrets = await this.#secrets(action.secret, signal, pass);
    if (!secrets.ok) return this.#fail(obj, this.#createCredentialsFailure(obj, action.phase, secrets), undefined, signal);
    return progress(await this.#writer.setAnnotation(obj, v.annBeingCreated, 'yes', signal));
  }

  #createCredentialsFailure(obj: T, phase: 'create' | 'check', secrets: { readonly error: string; readonly remedy: string }): Failure {
    const v = this.#d.adapter.vocabulary;
    const name = obj.metadata.name;
    const inner = `cannot get credentials for ${v.noun} content "${name}": ${secrets.error}`;
    return operationFailure(v, phase, v.text.inputParameters(name, inner), secrets.remedy);
  }

  async #create(action: Extract<Action, { type: 'create' }>, obj: T, signal: AbortSignal, pass: StepPass): Promise<StepOutcome<T>> {
    const { adapter } = this.#d;
    const v = adapter.vocabulary;
    const name = obj.metadata.name;
    const call = await this.#prepareCall('create', obj, action.request.sourceVolumeHandles, action.request.secret, signal, pass);
    if (call.kind === 'throttled') return call;
    if (call.kind === 'no-credentials') {
      // The annotation stays: an earlier attempt may have reached the driver. Only the give-up
      // bound of a requested deletion releases it.
      const failure = this.#createCredentialsFailure(obj, action.phase, call);
      if (action.giveUp !== undefined) return this.#abandonCreate(obj, action.giveUp, failure.message, signal);
      return this.#fail(obj, failure, undefined, signal);
    }
    const { permit, secrets } = call;
    let state: DriverState;
    try {
      state = await adapter.create(this.#d.snapshotter, action.request, secrets, this.#budget(signal));
      // The slot covers the CSI call only, never the API writes that follow it.
      permit?.release();
    } catch (err) {
      permit?.release();
      if (signal.aborted) throw err;
      const code = err instanceof CsiRpcError ? err.code : undefined;
      let current = obj;
      const failure = operationFailure(v, action.phase, v.text.createFailed(action.request.sourceVolumeHandles, errorText(err)), remedyForCode(code, this.#d.timeoutText));
      // Only a final answer proves the driver created nothing for this name (upstream §3.11, plus
      // our 'ambiguous' class that keeps the annotation on Internal/Unknown, upstream #866).
      if (classifyCreateError(code) === 'final') current = await this.#writer.setAnnotation(obj, v.annBeingCreated, null, signal);
      else if (action.giveUp !== undefined) return this.#abandonCreate(obj, action.giveUp, failure.message, signal);
      return this.#fail(current, failure, err, signal);
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
      return this.#fail(obj, operationFailure(v, 'check', `failed to get credentials for ${v.noun} content ${name}: ${secrets.error}`, secrets.remedy), undefined, signal);
    }
    let answer;
    try {
      answer = await adapter.refresh(this.#d.snapshotter, action.request, secrets.data, this.#budget(signal));
    } catch (err) {
      if (signal.aborted) throw err;
      // Any failure of the call is the content's error, gRPC status or not (upstream records both).
      const code = err instanceof CsiRpcError ? err.code : undefined;
      const failure = operationFailure(v, 'check', v.text.refreshFailed(name, errorText(err)), remedyForCode(code, this.#d.timeoutText));
      return this.#fail(obj, failure, err, signal);
    }
    if (answer.kind === 'not-found') {
      const what = v.kind === 'VolumeSnapshotContent' ? `can not find snapshot for snapshotID ${action.request.handle}` : `can not find group snapshot for groupSnapshotID ${action.request.handle}`;
      const failure = operationFailure(v, 'check', v.text.refreshFailed(name, what), `the backend ${v.noun} this content points to does not exist on the driver; check the handle`);
      return this.#fail(obj, failure, undefined, signal);
    }
    const nowNs = this.#nowNs();
    const state = answer.state;
    const written = await this.#writer.writeStatus(obj, (cur) => adapter.statusPatch(cur, state, nowNs), signal);
    return state.readyToUse ? progress(written) : { kind: 'not-ready', object: written };
  }

  async #deleteBackend(action: Extract<Action, { type: 'delete-backend' }>, obj: T, signal: AbortSignal): Promise<StepOutcome<T>> {
    const { adapter } = this.#d;
    const v = adapter.vocabulary;
    const name = obj.metadata.name;
    const source = adapter.toView(obj).source;
    // A pre-provisioned content names no source volume: its delete counts against the limit only.
    const call = await this.#prepareCall('delete', obj, source.type === 'dynamic' ? source.volumeHandles : [], action.request.secret, signal);
    if (call.kind === 'throttled') return call;
    if (call.kind === 'no-credentials') {
      const error = v.text.deleteInputParameters(name, call.error);
      return this.#fail(obj, deleteFailure(v, 'credentials', error, call.remedy), undefined, signal);
    }
    const { permit, secrets } = call;
    try {
      await adapter.delete(this.#d.snapshotter, action.request, secrets, this.#budget(signal));
    } catch (err) {
      permit?.release();
      if (signal.aborted) throw err;
      // The spec says a missing snapshot is OK; some drivers answer NotFound anyway (vsphere #1506).
      if (err instanceof CsiRpcError && err.code === 'NotFound') {
        this.#d.log.warn('CSI driver answered NotFound to a delete; treating the snapshot as already deleted', { content: name, handle: action.request.handle });
      } else {
        const code = err instanceof CsiRpcError ? err.code : undefined;
        const error = `failed to delete ${v.noun} "${name}", err: failed to delete ${v.noun} content ${name}: ${goQuote(errorText(err))}`;
        return this.#fail(obj, deleteFailure(v, 'delete', error, remedyForCode(code, this.#d.timeoutText)), err, signal);
      }
    }
    permit?.release();
    this.#d.log.v(2).info('Deleted snapshot on the driver', { content: name, handle: action.request.handle });
    return progress(await this.#writer.writeStatus(obj, (cur) => adapter.clearedStatus(cur), signal));
  }

  async #fail(obj: T, failure: Failure, cause: unknown, signal: AbortSignal): Promise<StepOutcome<T>> {
    const deletePath = failure.phase === 'delete';
    let object = obj;
    let changed = true;
    try {
      ({ object, changed } = await this.#writer.writeError(obj, failure.message, signal, deletePath));
    } catch (err) {
      if (err instanceof ContentGoneError || signal.aborted) throw err;
      // As upstream: the event still goes out, so the user sees the error the status could not carry.
      this.#d.log.warn('Could not record the error in status', { content: obj.metadata.name, err: errorText(err) });
    }
    if (changed || deletePath) this.#warn(object, failure.eventReason, failure.eventMessage);
    return { kind: 'failed', error: new StepFailedError(failure.message, { cause }) };
  }

  /**
   * The give-up of a requested deletion: release the being-created annotation so the deletion can
   * finish, and say loudly that the backend may hold a snapshot nobody will delete.
   */
  async #abandonCreate(obj: T, giveUp: GiveUp, lastError: string, signal: AbortSignal): Promise<StepOutcome<T>> {
    const v = this.#d.adapter.vocabulary;
    const name = obj.metadata.name;
    const released = await this.#writer.setAnnotation(obj, v.annBeingCreated, null, signal);
    const snapshot = giveUp.snapshotName === undefined ? 'of this content' : `"${giveUp.snapshotName}"`;
    const volumes = giveUp.sourceVolumeHandles.join(', ');
    const message =
      `Deletion was requested at ${giveUp.deletionRequestedAt} and ${v.createRpc} ${snapshot} has had no final answer since ` +
      `(--ambiguous-create-give-up passed); removed ${v.annBeingCreated} so the content can be deleted. ` +
      `A ${v.noun} named ${snapshot} of volume(s) ${volumes} may remain on the backend of driver ${this.#driverOf(obj)}: ` +
      `look for it there and delete it if it exists. Last error: ${lastError}`;
    this.#d.log.warn('Gave up on an unresolved create after deletion was requested; possible orphan on the backend', {
      content: name,
      snapshotName: giveUp.snapshotName,
      deletionTimestamp: giveUp.deletionRequestedAt,
      lastError,
    });
    this.#warn(released, v.createAbandonedReason, message);
    this.#d.onPossibleOrphan?.(v.kind);
    return progress(released);
  }

  /**
   * What a create or delete call needs before it goes out, in upstream's order: a backend slot,
   * then the credentials. A slot is never held past this when the credentials cannot be read.
   */
  async #prepareCall(
    kind: CallKind,
    obj: T,
    volumes: readonly string[],
    ref: SecretRef | null,
    signal: AbortSignal,
    pass?: StepPass,
  ): Promise<
    | { readonly kind: 'go'; readonly permit: Permit | undefined; readonly secrets: Secrets }
    | { readonly kind: 'throttled'; readonly retryAfterMs: number }
    | { readonly kind: 'no-credentials'; readonly error: string; readonly remedy: string }
  > {
    const slot = this.#acquire(kind, obj, volumes);
    if (slot.kind === 'throttled') return slot;
    const permit = slot.permit;
    let secrets;
    try {
      secrets = await this.#secrets(ref, signal, pass);
    } catch (err) {
      permit?.release();
      throw err;
    }
    if (!secrets.ok) {
      permit?.release();
      return { kind: 'no-credentials', error: secrets.error, remedy: secrets.remedy };
    }
    return { kind: 'go', permit, secrets: secrets.data };
  }

  /** A slot for one CSI create/delete call; a `permit` of undefined means no limiter is configured. */
  #acquire(kind: CallKind, obj: T, volumes: readonly string[]): { readonly kind: 'go'; readonly permit: Permit | undefined } | { readonly kind: 'throttled'; readonly retryAfterMs: number } {
    const slots = this.#d.slots;
    if (slots === undefined) return { kind: 'go', permit: undefined };
    const name = obj.metadata.name;
    const answer = slots.limiter.tryAcquire({ kind, id: slotId(this.#d.adapter.vocabulary.kind, name), volumes, wake: () => slots.wake(name) });
    if (answer.kind === 'acquired') return { kind: 'go', permit: answer.permit };
    this.#d.log.v(4).info('Waiting for a backend slot', { content: name, call: kind, volumes, retryAfterMs: answer.retryAfterMs });
    return { kind: 'throttled', retryAfterMs: answer.retryAfterMs };
  }

  #driverOf(obj: T): string {
    const spec = (obj as { readonly spec?: { readonly driver?: string } }).spec;
    return spec?.driver ?? 'unknown';
  }

  #warn(obj: T, reason: string, message: string): void {
    const meta = obj.metadata;
    this.#d.events.warning(
      { apiVersion: this.#d.adapter.apiVersion, kind: this.#d.adapter.vocabulary.kind, name: meta.name, uid: meta.uid, resourceVersion: meta.resourceVersion },
      reason,
      message,
    );
  }

  async #secrets(ref: SecretRef | null, signal: AbortSignal, pass?: StepPass): Promise<{ ok: true; data: Secrets } | { ok: false; error: string; remedy: string }> {
    if (ref === null) return { ok: true, data: {} };
    const key = `${ref.namespace}/${ref.name}`;
    const known = pass?.credentials.get(key);
    if (known !== undefined) return { ok: true, data: known };
    try {
      const data = await this.#d.secrets.getSecretData(ref.namespace, ref.name, signal);
      pass?.credentials.set(key, data);
      return { ok: true, data };
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

/** The limiter identity of a content: kinds share one limiter, so the kind is part of it. */
export function slotId(kind: ContentKind, name: string): string {
  return `${kind}/${name}`;
}

function progress<T>(object: T): StepOutcome<T> {
  return { kind: 'progress', object };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
