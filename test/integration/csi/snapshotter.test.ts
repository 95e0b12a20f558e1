// The Snapshotter port and the call interceptor, through a real channel to a scripted driver.

import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, test } from '@jest/globals';
import { systemClock } from '../../../src/base/clock.js';
import { connect } from '../../../src/csi/connection.js';
import { CsiClient } from '../../../src/csi/csi-client.js';
import { CsiRpcError, isFinalCreateError } from '../../../src/csi/grpc-errors.js';
import { GrpcSnapshotter } from '../../../src/csi/grpc-snapshotter.js';
import type { CsiCallSample } from '../../../src/csi/interceptor.js';
import { CsiResponseError } from '../../../src/csi/snapshot-message.js';
import { nullLogger } from '../../../src/observability/logger.js';
import type { CallBudget } from '../../../src/csi/snapshotter.js';
import { csiError, startDriver, type ScriptedCsiDriver, type ScriptedCsiDriverOptions } from '../../support/scripted-csi-driver.js';
import { cleanupsAfterEach } from '../../support/cleanups.js';
import { CapturingLogger } from './capturing-logger.js';

/** Per test and hook (jest's default is 5 s): each call runs under the 5 s CSI --timeout of
 * test-options.ts: three times that. */
const TEST_TIMEOUT_MS = 15_000;

const cleanups = cleanupsAfterEach(TEST_TIMEOUT_MS);

interface Rig {
  readonly driver: ScriptedCsiDriver;
  readonly snapshotter: GrpcSnapshotter;
  readonly samples: CsiCallSample[];
  readonly log: CapturingLogger;
}

async function rig(options: ScriptedCsiDriverOptions = {}, verbosity = 0): Promise<Rig> {
  const driver = await startDriver(cleanups, { driverName: 'test.csi.k8s.io', ...options });
  const samples: CsiCallSample[] = [];
  const log = new CapturingLogger(verbosity);
  const connection = await connect({
    address: driver.address,
    log,
    clock: systemClock,
    observer: { observe: (sample) => samples.push(sample) },
    onConnectionLost: () => undefined,
  });
  cleanups.push(() => connection.close());
  const snapshotter = new GrpcSnapshotter({
    client: new CsiClient(connection, systemClock),
    driverName: 'test.csi.k8s.io',
  });
  return { driver, snapshotter, samples, log };
}

const budget = (ms = 5000): CallBudget => ({ deadline: Date.now() + ms });
const createRequest = { name: 'snapshot-1', sourceVolumeId: 'vol-1', parameters: { pool: 'a' }, secrets: {} };

describe('createSnapshot', () => {
  test('calls only CreateSnapshot (the driver name is known from start-up), with the request fields', async () => {
    const { driver, snapshotter } = await rig();
    const result = await snapshotter.createSnapshot({ ...createRequest, secrets: { user: 'u' } }, budget());
    expect(driver.methods()).toEqual(['CreateSnapshot']);
    expect(driver.requestsTo('CreateSnapshot')[0]).toEqual({
      name: 'snapshot-1',
      source_volume_id: 'vol-1',
      parameters: { pool: 'a' },
      secrets: { user: 'u' },
    });
    expect(result).toMatchObject({ sourceVolumeId: 'vol-1', readyToUse: true, sizeBytes: 1073741824n, groupSnapshotId: '' });
    expect(typeof result.creationTimeNs).toBe('bigint');
  }, TEST_TIMEOUT_MS);

  test('size_bytes 2^53+1 and nanosecond creation time arrive exactly', async () => {
    const { snapshotter } = await rig({
      handlers: {
        CreateSnapshot: (request) => ({
          snapshot: {
            snapshot_id: 'id-1',
            source_volume_id: request.source_volume_id,
            size_bytes: '9007199254740993',
            creation_time: { seconds: '1700000000', nanos: 123456789 },
            ready_to_use: false,
          },
        }),
      },
    });
    const result = await snapshotter.createSnapshot(createRequest, budget());
    expect(result.sizeBytes).toBe(2n ** 53n + 1n);
    expect(result.creationTimeNs).toBe(1700000000123456789n);
    expect(result.readyToUse).toBe(false);
  }, TEST_TIMEOUT_MS);

  test('a call still running at the deadline fails with Go-style DeadlineExceeded, non-final', async () => {
    const { snapshotter } = await rig({
      handlers: {
        CreateSnapshot: async (_request, { signal }) => {
          await sleep(3000, undefined, { signal }).catch(() => undefined);
          return {};
        },
      },
    });
    const err = await snapshotter.createSnapshot(createRequest, budget(300)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CsiRpcError);
    expect((err as CsiRpcError).message).toBe('rpc error: code = DeadlineExceeded desc = context deadline exceeded');
    expect(isFinalCreateError(err)).toBe(false);
  }, TEST_TIMEOUT_MS);

  test('a driver error keeps its code and text and is final', async () => {
    const { snapshotter } = await rig({
      handlers: { CreateSnapshot: () => { throw csiError(grpc.status.INVALID_ARGUMENT, 'bad name'); } },
    });
    const err = await snapshotter.createSnapshot(createRequest, budget()).catch((e: unknown) => e);
    expect((err as CsiRpcError).message).toBe('rpc error: code = InvalidArgument desc = bad name');
    expect(isFinalCreateError(err)).toBe(true);
  }, TEST_TIMEOUT_MS);

  test('a response without a snapshot is a CsiResponseError naming driver and RPC', async () => {
    const { snapshotter } = await rig({ handlers: { CreateSnapshot: () => ({}) } });
    const err = await snapshotter.createSnapshot(createRequest, budget()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CsiResponseError);
    expect((err as Error).message).toBe(
      'CSI driver test.csi.k8s.io returned an invalid CreateSnapshot response: the snapshot message is missing',
    );
    expect(isFinalCreateError(err)).toBe(false);
  }, TEST_TIMEOUT_MS);

  test('aborting the signal cancels the call and rejects with the reason', async () => {
    const { snapshotter } = await rig({
      handlers: {
        CreateSnapshot: async (_request, { signal }) => {
          await sleep(3000, undefined, { signal }).catch(() => undefined);
          return {};
        },
      },
    });
    const controller = new AbortController();
    const reason = new Error('worker stopping');
    const pending = snapshotter.createSnapshot(createRequest, { deadline: Date.now() + 5000, signal: controller.signal });
    setTimeout(() => controller.abort(reason), 100);
    await expect(pending).rejects.toBe(reason);
  }, TEST_TIMEOUT_MS);
});

describe('listSnapshot / getSnapshot / deleteSnapshot', () => {
  test('without LIST_SNAPSHOTS the lookup is unsupported and ListSnapshots is not called', async () => {
    const { driver, snapshotter } = await rig({ controllerCapabilities: ['CREATE_DELETE_SNAPSHOT'] });
    await expect(snapshotter.listSnapshot({ snapshotId: 'x', secrets: {} }, budget())).resolves.toEqual({ kind: 'unsupported' });
    expect(driver.methods()).toEqual(['ControllerGetCapabilities']);
  }, TEST_TIMEOUT_MS);

  test('an empty entry list is not-found; an entry is found', async () => {
    const { driver, snapshotter } = await rig();
    await expect(snapshotter.listSnapshot({ snapshotId: 'nope', secrets: {} }, budget())).resolves.toEqual({ kind: 'not-found' });
    const created = await snapshotter.createSnapshot(createRequest, budget());
    const found = await snapshotter.listSnapshot({ snapshotId: created.snapshotId, secrets: { k: 'v' } }, budget());
    expect(found).toEqual({ kind: 'found', snapshot: created });
    expect(driver.requestsTo('ListSnapshots').at(-1)).toMatchObject({ snapshot_id: created.snapshotId, secrets: { k: 'v' } });
  }, TEST_TIMEOUT_MS);

  test('getSnapshot needs GET_SNAPSHOT and maps NotFound to not-found', async () => {
    const { snapshotter } = await rig({ controllerCapabilities: ['CREATE_DELETE_SNAPSHOT', 'GET_SNAPSHOT'] });
    const created = await snapshotter.createSnapshot(createRequest, budget());
    await expect(snapshotter.getSnapshot({ snapshotId: created.snapshotId, secrets: {} }, budget())).resolves.toEqual({
      kind: 'found',
      snapshot: created,
    });
    await expect(snapshotter.getSnapshot({ snapshotId: 'gone', secrets: {} }, budget())).resolves.toEqual({ kind: 'not-found' });
  }, TEST_TIMEOUT_MS);

  test('deleteSnapshot sends id and secrets', async () => {
    const { driver, snapshotter } = await rig();
    const created = await snapshotter.createSnapshot(createRequest, budget());
    await snapshotter.deleteSnapshot({ snapshotId: created.snapshotId, secrets: { a: 'b' } }, budget());
    expect(driver.requestsTo('DeleteSnapshot')).toEqual([{ snapshot_id: created.snapshotId, secrets: { a: 'b' } }]);
    expect(driver.snapshots.size).toBe(0);
  }, TEST_TIMEOUT_MS);
});

describe('group snapshots', () => {
  test('create, get and delete a volume group snapshot', async () => {
    const { driver, snapshotter } = await rig();
    const group = await snapshotter.createVolumeGroupSnapshot(
      { name: 'groupsnapshot-1', sourceVolumeIds: ['v1', 'v2'], parameters: {}, secrets: {} },
      budget(),
    );
    expect(driver.methods()).toEqual(['CreateVolumeGroupSnapshot']);
    expect(group.snapshots.map((s) => [s.sourceVolumeId, s.groupSnapshotId])).toEqual([
      ['v1', group.groupSnapshotId],
      ['v2', group.groupSnapshotId],
    ]);
    const ids = { groupSnapshotId: group.groupSnapshotId, snapshotIds: group.snapshots.map((s) => s.snapshotId), secrets: {} };
    await expect(snapshotter.getVolumeGroupSnapshot(ids, budget())).resolves.toEqual(group);
    await snapshotter.deleteVolumeGroupSnapshot(ids, budget());
    expect(driver.groupSnapshots.size).toBe(0);
  }, TEST_TIMEOUT_MS);
});

describe('wire shapes', () => {
  test('int64 arrives as a decimal string and enums as names, as the generated types claim', async () => {
    const driver = await startDriver(cleanups);
    const connection = await connect({ address: driver.address, log: nullLogger, clock: systemClock, onConnectionLost: () => undefined });
    cleanups.push(() => connection.close());
    const client = new CsiClient(connection, systemClock);
    const created = await client.createSnapshot({ name: 'n', source_volume_id: 'v' }, budget());
    expect(typeof created.snapshot?.size_bytes).toBe('string');
    expect(typeof created.snapshot?.creation_time?.seconds).toBe('string');
    const caps = await client.controllerGetCapabilities(budget());
    expect(caps.capabilities[0]).toEqual({ type: 'rpc', rpc: { type: 'CREATE_DELETE_SNAPSHOT' } });
    const probe = await client.probe(budget());
    expect(probe.ready).toEqual({ value: true });
  }, TEST_TIMEOUT_MS);
});

describe('interceptor', () => {
  test('observes the full method name and Go code of every call', async () => {
    const { snapshotter, samples } = await rig({
      handlers: { DeleteSnapshot: () => { throw csiError(grpc.status.NOT_FOUND, 'no such snapshot'); } },
    });
    await snapshotter.createSnapshot(createRequest, budget());
    await snapshotter.deleteSnapshot({ snapshotId: 'x', secrets: {} }, budget()).catch(() => undefined);
    expect(samples.map(({ method, code }) => ({ method, code }))).toEqual([
      { method: '/csi.v1.Controller/CreateSnapshot', code: 'OK' },
      { method: '/csi.v1.Controller/DeleteSnapshot', code: 'NotFound' },
    ]);
    expect(samples.every((s) => s.seconds >= 0)).toBe(true);
  }, TEST_TIMEOUT_MS);

  test('at v=10 requests and responses are logged but secrets never are', async () => {
    const { snapshotter, log } = await rig({}, 10);
    const secrets = { password: 'hunter2-do-not-log', token: 'tkn-do-not-log' };
    const created = await snapshotter.createSnapshot({ ...createRequest, secrets }, budget());
    await snapshotter.deleteSnapshot({ snapshotId: created.snapshotId, secrets }, budget());
    expect(log.messages()).toEqual(expect.arrayContaining(['GRPC call', 'GRPC response']));
    expect(log.lines).toContainEqual({
      severity: 'info',
      msg: 'GRPC call',
      fields: {
        method: '/csi.v1.Controller/CreateSnapshot',
        request: { name: 'snapshot-1', source_volume_id: 'vol-1', parameters: { pool: 'a' }, secrets: '***stripped***' },
      },
    });
    expect(log.text()).not.toMatch(/do-not-log/);
  }, TEST_TIMEOUT_MS);

  test('below v=5 nothing is logged per call', async () => {
    const { snapshotter, log } = await rig({}, 4);
    await snapshotter.createSnapshot(createRequest, budget());
    expect(log.messages()).not.toContain('GRPC call');
  }, TEST_TIMEOUT_MS);
});
