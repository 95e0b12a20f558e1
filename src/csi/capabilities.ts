// Reduces the capability lists of ControllerGetCapabilities and GroupControllerGetCapabilities to
// the few flags the sidecar acts on. Entries without a `type` (an empty oneof) are ignored, as
// upstream does.

import type { ControllerGetCapabilitiesResponse__Output } from '../gen/csi/v1/ControllerGetCapabilitiesResponse.js';
import type { GroupControllerGetCapabilitiesResponse__Output } from '../gen/csi/v1/GroupControllerGetCapabilitiesResponse.js';

export interface ControllerCapabilities {
  /** CREATE_DELETE_SNAPSHOT: required, start-up fails without it. */
  readonly createDeleteSnapshot: boolean;
  /** LIST_SNAPSHOTS: status of pre-provisioned contents comes from ListSnapshots. */
  readonly listSnapshots: boolean;
  /** GET_SNAPSHOT (CSI 1.12 alpha). */
  readonly getSnapshot: boolean;
}

export interface GroupControllerCapabilities {
  readonly createDeleteGetGroupSnapshot: boolean;
}

export function parseControllerCapabilities(
  response: ControllerGetCapabilitiesResponse__Output,
): ControllerCapabilities {
  const types = new Set<string>();
  for (const capability of response.capabilities) {
    if (capability.type === 'rpc' && capability.rpc) types.add(capability.rpc.type);
  }
  return {
    createDeleteSnapshot: types.has('CREATE_DELETE_SNAPSHOT'),
    listSnapshots: types.has('LIST_SNAPSHOTS'),
    getSnapshot: types.has('GET_SNAPSHOT'),
  };
}

export function parseGroupControllerCapabilities(
  response: GroupControllerGetCapabilitiesResponse__Output,
): GroupControllerCapabilities {
  const createDeleteGetGroupSnapshot = response.capabilities.some(
    (capability) => capability.type === 'rpc' && capability.rpc?.type === 'CREATE_DELETE_GET_VOLUME_GROUP_SNAPSHOT',
  );
  return { createDeleteGetGroupSnapshot };
}
