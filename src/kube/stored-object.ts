// How an API object is kept in memory: without metadata.managedFields (often the largest part of
// an object, never read by the sidecar; upstream keeps them) and deep-frozen, so the copy shared by
// the informer, the store and the reconciler cannot be corrupted by a caller building a patch
// (structuredClone it first). Resource version ordering lives here too.

import { CodedError } from '../base/coded-error.js';
import type { KubeObject } from './types.js';

const UNSUPPORTED_SERVER = 'this API server is not supported (etcd-backed servers use integers)';

export class InvalidResourceVersionError extends CodedError<'InvalidResourceVersion'> {
  override readonly name = 'InvalidResourceVersionError';
  readonly objectName: string;

  constructor(objectName: string, resourceVersion: unknown) {
    super(
      'InvalidResourceVersion',
      `object ${JSON.stringify(objectName)} has resourceVersion ${JSON.stringify(resourceVersion)}, ` +
        `which is not a base-10 integer; ${UNSUPPORTED_SERVER}`,
      { remedy: UNSUPPORTED_SERVER },
    );
    this.objectName = objectName;
  }
}

const DECIMAL = /^\d+$/;

/** A resourceVersion as a BigInt; throws InvalidResourceVersionError when it is not an integer. */
export function parseResourceVersion(obj: KubeObject): bigint {
  const rv = obj.metadata.resourceVersion;
  if (typeof rv !== 'string' || !DECIMAL.test(rv)) throw new InvalidResourceVersionError(obj.metadata.name, rv);
  return BigInt(rv);
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

/** Returns obj (or a shallow copy without managedFields), deep-frozen. Never copies more than metadata. */
export function toStoredObject<T extends KubeObject>(obj: T): T {
  let stored = obj;
  if (obj.metadata.managedFields !== undefined) {
    const { managedFields: _dropped, ...metadata } = obj.metadata;
    stored = { ...obj, metadata };
  }
  deepFreeze(stored);
  return stored;
}
