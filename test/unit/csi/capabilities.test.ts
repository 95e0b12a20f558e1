import { describe, expect, test } from '@jest/globals';
import { parseControllerCapabilities, parseGroupControllerCapabilities } from '../../../src/csi/capabilities.js';

describe('parseControllerCapabilities', () => {
  test('reads the snapshot-related RPC capabilities', () => {
    expect(
      parseControllerCapabilities({
        capabilities: [
          { type: 'rpc', rpc: { type: 'CREATE_DELETE_VOLUME' } },
          { type: 'rpc', rpc: { type: 'CREATE_DELETE_SNAPSHOT' } },
          { type: 'rpc', rpc: { type: 'GET_SNAPSHOT' } },
        ],
      }),
    ).toEqual({ createDeleteSnapshot: true, listSnapshots: false, getSnapshot: true });
  });

  test('LIST_SNAPSHOTS alone does not imply CREATE_DELETE_SNAPSHOT', () => {
    expect(parseControllerCapabilities({ capabilities: [{ type: 'rpc', rpc: { type: 'LIST_SNAPSHOTS' } }] })).toEqual({
      createDeleteSnapshot: false,
      listSnapshots: true,
      getSnapshot: false,
    });
  });

  test('capabilities with no type are ignored', () => {
    expect(parseControllerCapabilities({ capabilities: [{}, { rpc: null }] })).toEqual({
      createDeleteSnapshot: false,
      listSnapshots: false,
      getSnapshot: false,
    });
  });
});

describe('parseGroupControllerCapabilities', () => {
  test('finds CREATE_DELETE_GET_VOLUME_GROUP_SNAPSHOT', () => {
    expect(
      parseGroupControllerCapabilities({
        capabilities: [{}, { type: 'rpc', rpc: { type: 'CREATE_DELETE_GET_VOLUME_GROUP_SNAPSHOT' } }],
      }),
    ).toEqual({ createDeleteGetGroupSnapshot: true });
  });

  test('an empty list means unsupported', () => {
    expect(parseGroupControllerCapabilities({ capabilities: [] })).toEqual({ createDeleteGetGroupSnapshot: false });
  });
});
