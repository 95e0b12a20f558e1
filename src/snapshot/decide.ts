// The decision: given one content (as a ContentView), the classes, the driver's capabilities and
// the flags, what is the next step? Pure: no I/O, no clock, no randomness, so every branch of
// upstream's state machine (syncContent / syncGroupSnapshotContent) is a table row in a test.
//
// Differences from upstream, each deliberate (README "differences from upstream"):
// - inputs are validated before the being-created annotation is written, so an invalid object
//   never carries the annotation that blocks its deletion (upstream §3.11 QUIRK);
// - once a handle is recorded, polling re-issues CreateSnapshot without re-adding the annotation
//   (upstream writes it and removes it again on every poll);
// - half-set secret annotations and a class of another driver are errors, not silence;
// - a deleting object we cannot delete yet is re-checked on the poll schedule ('wait'), never
//   forgotten until a resync (upstream #1446);
// - a pre-provisioned content with deletionPolicy Delete is deleted on the backend by its
//   spec.source handle whenever its status carries none (never written, or error-only);
// - the Secret of a create is read before the being-created annotation is written (as upstream);
// - a create whose outcome stays unknown (ambiguous or transient errors, unreadable Secret,
//   inputs gone invalid) blocks a requested deletion for at most ctx.createGiveUpMs, measured from
//   metadata.deletionTimestamp; then the annotation is released and the possible orphan announced.

import type { Action, CreateRequest, GiveUp } from './action.js';
import type { ClassView, ContentView } from './content-view.js';
import { deleteFailure, operationFailure } from './failure.js';
import { removePrefixedParameters } from './parameters.js';
import { secretFromAnnotations, secretFromClassParameters, type SecretRef, type SecretRefResult } from './secret-reference.js';
import { makeSnapshotName } from './snapshot-name.js';

export interface DecisionContext {
  readonly driverName: string;
  /** LIST_SNAPSHOTS capability (single kind): without it a pre-provisioned content is assumed ready. */
  readonly listSnapshotsSupported: boolean;
  readonly namePrefix: string;
  readonly nameUuidLength: number;
  readonly extraCreateMetadata: boolean;
  readonly classByName: (name: string) => ClassView | undefined;
  /** Wall-clock ms of this decision: decide() reads no clock, the caller passes time in. */
  readonly nowMs: number;
  /**
   * --ambiguous-create-give-up: how long after metadata.deletionTimestamp a create with no final
   * answer may keep the being-created annotation (and so block the deletion).
   */
  readonly createGiveUpMs: number;
}

export function shouldDelete(view: ContentView): boolean {
  if (!view.deleting) return false;
  if (view.source.type === 'pre-provisioned' && view.boundUid === '') return true;
  // Nothing is ever created for a pre-provisioned content: a being-created annotation on one
  // (copied manifests, hand edits) protects nothing and must not block its deletion.
  if (view.source.type === 'pre-provisioned') return view.beingDeleted;
  // A create RPC may have produced a backend object we have not recorded: finish it first.
  if (view.beingCreated) return false;
  return view.beingDeleted;
}

export function decide(view: ContentView, ctx: DecisionContext): Action {
  if (view.source.type === 'none') return { type: 'ignore', reason: 'no source: neither a volume nor a snapshot handle' };
  if (view.driver !== ctx.driverName) return { type: 'ignore', reason: `driver ${view.driver} is not ${ctx.driverName}` };

  if (shouldDelete(view)) return decideDeletion(view);

  const status = view.status;
  if (view.source.type === 'dynamic' && status === undefined && !view.groupMember) return decideCreate(view, ctx, 'create');
  if (status?.readyToUse === true) {
    if (view.beingCreated) return { type: 'unmark-being-created', reason: 'ready' };
    return settled(view, 'ready');
  }
  if (view.source.type === 'pre-provisioned' || (status?.groupHandle !== undefined && status.handle !== undefined)) {
    return decideRefresh(view, ctx);
  }
  if (view.groupMember) return { type: 'wait', reason: 'group member: waiting for the snapshot-controller to record its handles' };
  // The handle is recorded: the annotation no longer protects anything.
  if (view.beingCreated && status?.handle !== undefined) return { type: 'unmark-being-created', reason: 'handle recorded' };
  return decideCreate(view, ctx, 'check');
}

/** Credentials of create, delete and member refresh: the content's deletion-secret annotations. */
function annotationSecret(view: ContentView): SecretRefResult {
  const v = view.vocabulary;
  return secretFromAnnotations(view.secretAnnotations, {
    noun: v.noun,
    contentName: view.name,
    nameKey: v.annSecretName,
    namespaceKey: v.annSecretNamespace,
  });
}

function settled(view: ContentView, reason: string): Action {
  if (view.deleting && view.hasFinalizer) {
    return {
      type: 'wait',
      reason: `${reason}; deletion requested, waiting for the snapshot-controller to set ${view.vocabulary.annBeingDeleted}`,
    };
  }
  return { type: 'done', reason };
}

function decideDeletion(view: ContentView): Action {
  const v = view.vocabulary;
  const status = view.status;
  // Upstream only deletes when status carries the handle; a pre-provisioned content deleted before
  // its first successful status write (no status, or only an error) would leak its backend
  // snapshot under deletionPolicy Delete. So the spec handle stands in whenever status has none.
  // After our own delete the status handle is cleared: the reconciler turns the repeat within the
  // pass into finalizer removal, and a later pass (finalizer patch failed) repeats an idempotent
  // DeleteSnapshot (CSI: OK for a missing snapshot; NotFound is accepted too) before it.
  const handle = status?.handle ?? (view.source.type === 'pre-provisioned' ? view.source.handle : undefined);
  const memberOfGroup = v.kind === 'VolumeSnapshotContent' && status?.groupHandle !== undefined;
  if (view.deletionPolicy === 'Delete' && handle !== undefined && !memberOfGroup) {
    const creds = annotationSecret(view);
    if (!creds.ok) {
      const error = v.text.deleteInputParameters(view.name, creds.error);
      return { type: 'fail', reason: 'invalid credentials', failure: deleteFailure(v, 'credentials', error, creds.remedy) };
    }
    let memberHandles: readonly string[] = [];
    if (v.kind === 'VolumeGroupSnapshotContent') {
      memberHandles = status?.memberHandles.length ? status.memberHandles : view.source.type === 'pre-provisioned' ? view.source.memberHandles : [];
      if (memberHandles.length === 0) {
        const error = `cannot delete group snapshot content ${view.name}. No snapshots found in the group snapshot`;
        return { type: 'fail', reason: 'no members', failure: deleteFailure(v, 'delete', error, 'status.volumeSnapshotInfoList is empty; the group snapshot cannot be deleted on the driver without its member ids') };
      }
    }
    return { type: 'delete-backend', reason: 'deletionPolicy Delete', request: { handle, memberHandles, secret: creds.ref } };
  }
  if (view.hasFinalizer) {
    const why = view.deletionPolicy !== 'Delete' ? `deletionPolicy ${view.deletionPolicy}` : memberOfGroup ? 'deleted with its group' : 'no backend handle';
    return { type: 'remove-finalizer', reason: why };
  }
  return { type: 'done', reason: 'deleting; no finalizer of ours left' };
}

/**
 * Deletion was requested while a create's outcome is unknown, longer ago than the bound: the next
 * failure releases the annotation. An unparseable deletionTimestamp counts as long ago (deletion
 * must progress).
 */
function giveUpOnCreate(view: ContentView, ctx: DecisionContext, handles: readonly string[]): GiveUp | undefined {
  if (!view.deleting || !view.beingCreated || view.status?.handle !== undefined) return undefined;
  const requestedAt = view.deletionTimestamp ?? '';
  const waited = ctx.nowMs - Date.parse(requestedAt);
  if (waited < ctx.createGiveUpMs) return undefined;
  const name = makeSnapshotName(ctx.namePrefix, view.boundUid, ctx.nameUuidLength, '');
  return { snapshotName: name.ok ? name.name : undefined, sourceVolumeHandles: handles, deletionRequestedAt: requestedAt };
}

function decideCreate(view: ContentView, ctx: DecisionContext, phase: 'create' | 'check'): Action {
  const v = view.vocabulary;
  if (view.source.type !== 'dynamic') return { type: 'done', reason: 'not a dynamic content' };
  const handles = view.source.volumeHandles;
  const giveUp = giveUpOnCreate(view, ctx, handles);
  const fail = (error: string, remedy: string): Action =>
    giveUp === undefined
      ? { type: 'fail', reason: 'invalid input', failure: operationFailure(v, phase, error, remedy) }
      : { type: 'abandon-create', reason: `no create can be issued (${error}) and deletion has waited past the give-up bound`, giveUp };
  const className = view.className;
  if (className === undefined || className === '') {
    return fail(v.text.inputParameters(view.name, v.text.noClass(view.name)), `set ${v.classField} to a class of driver ${ctx.driverName}`);
  }
  const cls = ctx.classByName(className);
  if (cls === undefined) {
    return fail(
      v.text.inputParameters(view.name, `${v.classResource} "${className}" not found`),
      `create the class ${className} for driver ${ctx.driverName}, or correct ${v.classField}`,
    );
  }
  if (cls.driver !== ctx.driverName) {
    return fail(
      v.text.inputParameters(view.name, `class ${className} is for driver ${cls.driver}, not ${ctx.driverName}`),
      `use a class whose driver is ${ctx.driverName}`,
    );
  }
  const creds = annotationSecret(view);
  if (!creds.ok) return fail(v.text.inputParameters(view.name, creds.error), creds.remedy);
  const params = removePrefixedParameters(cls.parameters);
  if (!params.ok) {
    return fail(`failed to remove CSI Parameters of prefixed keys: ${params.error}`, `remove that key from the parameters of class ${className}`);
  }
  if (view.boundUid === '') {
    return fail(v.text.createFailed(handles, v.text.notBound(view.name)), 'the content must be bound to a (group) snapshot: set the uid in its snapshot reference');
  }
  const name = makeSnapshotName(ctx.namePrefix, view.boundUid, ctx.nameUuidLength, 'Corrupted snapshot object, it is missing UID');
  if (!name.ok) return fail(v.text.createFailed(handles, name.error), 'fix the name uuid length flag');
  if (!view.beingCreated && view.status?.handle === undefined) {
    return { type: 'mark-being-created', reason: 'record intent before the create RPC', phase, secret: creds.ref };
  }
  const parameters: Record<string, string> = { ...params.parameters };
  if (ctx.extraCreateMetadata) {
    parameters[v.metadataKeys.name] = view.boundName;
    parameters[v.metadataKeys.namespace] = view.boundNamespace;
    parameters[v.metadataKeys.contentName] = view.name;
  }
  const request: CreateRequest = { name: name.name, sourceVolumeHandles: handles, parameters, secret: creds.ref };
  const reason = phase === 'create' ? 'no status yet' : 'not ready: re-issue the same create';
  if (giveUp !== undefined) return { type: 'create', reason: `${reason}; deletion has waited past the give-up bound`, phase, request, giveUp };
  return { type: 'create', reason, phase, request };
}

function decideRefresh(view: ContentView, ctx: DecisionContext): Action {
  const v = view.vocabulary;
  const fail = (error: string, remedy: string | undefined): Action => ({ type: 'fail', reason: 'invalid input', failure: operationFailure(v, 'check', error, remedy) });
  const source = view.source;
  const handle = view.status?.handle ?? (source.type === 'pre-provisioned' ? source.handle : undefined);
  if (handle === undefined) return fail(v.text.refreshHandleMissing(view.name), undefined);
  let secret: SecretRef | null = null;
  const className = view.className;
  if (className !== undefined && className !== '') {
    const cls = ctx.classByName(className);
    if (cls === undefined) {
      return fail(
        `failed to get ${v.noun} class ${className} for ${v.noun} content ${view.name}: ${v.classResource} "${className}" not found`,
        `create the class ${className} or clear ${v.classField}`,
      );
    }
    const ref = secretFromClassParameters(cls.parameters, {
      label: v.refreshSecret.label,
      nameKey: v.refreshSecret.nameKey,
      namespaceKey: v.refreshSecret.namespaceKey,
      vars: { [v.contentNameVar]: view.name },
    });
    if (!ref.ok) return fail(`failed to get secret reference for ${v.noun} content ${view.name}: ${ref.error}`, ref.remedy);
    secret = ref.ref;
  }
  if (view.groupMember || (v.kind === 'VolumeSnapshotContent' && view.status?.groupHandle !== undefined)) {
    const creds = annotationSecret(view);
    if (!creds.ok) return fail(`failed to get credentials from annotation for snapshot content ${view.name}: ${creds.error}`, creds.remedy);
    secret = creds.ref;
  }
  const memberHandles = source.type === 'pre-provisioned' ? source.memberHandles : [];
  if (v.kind === 'VolumeGroupSnapshotContent' && memberHandles.length === 0) {
    return fail(
      `cannot list group snapshot ${view.name}. No snapshots found in the group snapshot content`,
      'spec.source.groupSnapshotHandles.volumeSnapshotHandles must list the member snapshot ids of the group',
    );
  }
  const mode = v.kind === 'VolumeSnapshotContent' && !ctx.listSnapshotsSupported ? 'assume-ready' : 'rpc';
  return { type: 'refresh', reason: 'read the backend state', request: { handle, memberHandles, secret, mode } };
}
