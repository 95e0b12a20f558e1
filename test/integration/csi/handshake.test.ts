// The start-up handshake (upstream main.go steps 9–15) against a scripted driver.

import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, test } from '@jest/globals';
import { handshake, StartupError, type DriverInfo, type HandshakeParams } from '../../../src/app/driver-handshake.js';
import { systemClock } from '../../../src/base/clock.js';
import { FEATURE_GATE_GROUP_SNAPSHOT, type Options } from '../../../src/cli/options.js';
import { cleanupsAfterEach } from '../../support/cleanups.js';
import { csiError, startDriver, type ScriptedCsiDriver } from '../../support/scripted-csi-driver.js';
import { CapturingLogger } from './capturing-logger.js';
import { testOptions } from './test-options.js';

/** Per test and hook (jest's default is 5 s): Probe retries and the handshake run under the 5 s CSI
 * --timeout of test-options.ts: three times that. */
const TEST_TIMEOUT_MS = 15_000;

const cleanups = cleanupsAfterEach(TEST_TIMEOUT_MS);

async function runHandshake(
  driver: ScriptedCsiDriver,
  overrides: Partial<Options> = {},
  log = new CapturingLogger(),
): Promise<DriverInfo> {
  const params: HandshakeParams = {
    options: testOptions({ csiAddress: driver.socketPath, ...overrides }),
    log,
    clock: systemClock,
    onConnectionLost: () => undefined,
    probeIntervalMs: 20,
    connectTimeoutMs: 2000,
  };
  const info = await handshake(params);
  cleanups.unshift(() => info.connection.close()); // close before the driver stops
  return info;
}

async function startupError(promise: Promise<unknown>): Promise<StartupError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StartupError);
  return err as StartupError;
}

describe('handshake', () => {
  test('the driver name is known right after GetPluginInfo, so only that sample is labelled unknown-driver (upstream step 11)', async () => {
    const driver = await startDriver(cleanups, { driverName: 'hostpath.csi.k8s.io' });
    let name = 'unknown-driver';
    const labelled: string[] = [];
    const info = await handshake({
      options: testOptions({ csiAddress: driver.socketPath }),
      log: new CapturingLogger(),
      clock: systemClock,
      onConnectionLost: () => undefined,
      probeIntervalMs: 20,
      connectTimeoutMs: 2000,
      observer: { observe: (s) => labelled.push(`${name} ${s.method}`) },
      onDriverName: (n) => {
        name = n;
      },
    });
    cleanups.unshift(() => info.connection.close());
    expect(labelled).toEqual([
      'unknown-driver /csi.v1.Identity/GetPluginInfo',
      'hostpath.csi.k8s.io /csi.v1.Identity/Probe',
      'hostpath.csi.k8s.io /csi.v1.Controller/ControllerGetCapabilities',
    ]);
  }, TEST_TIMEOUT_MS);

  test('asks for name, readiness and capabilities, in upstream order', async () => {
    const driver = await startDriver(cleanups, { driverName: 'hostpath.csi.k8s.io' });
    const info = await runHandshake(driver);
    expect(info.driverName).toBe('hostpath.csi.k8s.io');
    expect(info.controllerCapabilities).toEqual({ createDeleteSnapshot: true, listSnapshots: true, getSnapshot: false });
    expect(info.groupSnapshotsEnabled).toBe(false);
    expect(info.groupControllerCapabilities).toBeNull();
    expect(driver.methods()).toEqual(['GetPluginInfo', 'Probe', 'ControllerGetCapabilities']);
  }, TEST_TIMEOUT_MS);

  test('with the CSIVolumeGroupSnapshot gate it also asks the GroupController', async () => {
    const driver = await startDriver(cleanups);
    const info = await runHandshake(driver, { featureGates: new Map([[FEATURE_GATE_GROUP_SNAPSHOT, true]]) });
    expect(info.groupSnapshotsEnabled).toBe(true);
    expect(info.groupControllerCapabilities).toEqual({ createDeleteGetGroupSnapshot: true });
    expect(driver.methods().at(-1)).toBe('GroupControllerGetCapabilities');
  }, TEST_TIMEOUT_MS);

  test('a GroupController failure is only logged; group support stays on', async () => {
    const driver = await startDriver(cleanups, {
      handlers: { GroupControllerGetCapabilities: () => { throw csiError(grpc.status.UNIMPLEMENTED, 'no groups'); } },
    });
    const log = new CapturingLogger();
    const info = await runHandshake(driver, { featureGates: new Map([[FEATURE_GATE_GROUP_SNAPSHOT, true]]) }, log);
    expect(info.groupSnapshotsEnabled).toBe(true);
    expect(info.groupControllerCapabilities).toBeNull();
    expect(log.messages()).toContain('error determining if driver supports create/delete group snapshot operations');
  }, TEST_TIMEOUT_MS);

  test('Probe ready=false is retried until the driver is ready', async () => {
    let probes = 0;
    const driver = await startDriver(cleanups, { handlers: { Probe: () => ({ ready: { value: ++probes >= 3 } }) } });
    const log = new CapturingLogger();
    await runHandshake(driver, {}, log);
    expect(driver.requestsTo('Probe')).toHaveLength(3);
    expect(log.messages().filter((m) => m === 'CSI driver is not ready')).toHaveLength(2);
  }, TEST_TIMEOUT_MS);

  test('a Probe without `ready` means ready', async () => {
    const driver = await startDriver(cleanups, { handlers: { Probe: () => ({}) } });
    await runHandshake(driver);
    expect(driver.requestsTo('Probe')).toHaveLength(1);
  }, TEST_TIMEOUT_MS);

  test('a Probe that times out is retried', async () => {
    let probes = 0;
    const driver = await startDriver(cleanups, {
      handlers: {
        Probe: async (_request, { signal }) => {
          if (++probes === 1) await sleep(2000, undefined, { signal }).catch(() => undefined);
          return { ready: { value: true } };
        },
      },
    });
    const log = new CapturingLogger();
    await runHandshake(driver, { timeoutMs: 200 }, log);
    expect(probes).toBe(2);
    expect(log.messages()).toContain('CSI driver probe timed out');
  }, TEST_TIMEOUT_MS);

  test('Probe Unimplemented is fatal with exit code 1', async () => {
    const driver = await startDriver(cleanups, {
      handlers: { Probe: () => { throw csiError(grpc.status.UNIMPLEMENTED, 'unknown method Probe'); } },
    });
    const err = await startupError(runHandshake(driver));
    expect(err.exitCode).toBe(1);
    expect(err.code).toBe('DriverNotReady');
    expect(err.message).toBe(
      'error waiting for CSI driver to be ready: CSI driver probe failed: rpc error: code = Unimplemented desc = unknown method Probe',
    );
  }, TEST_TIMEOUT_MS);

  test('a driver without CREATE_DELETE_SNAPSHOT is fatal', async () => {
    const driver = await startDriver(cleanups, { driverName: 'nosnap.csi.k8s.io', controllerCapabilities: ['LIST_SNAPSHOTS'] });
    const err = await startupError(runHandshake(driver));
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe('CSI driver nosnap.csi.k8s.io does not support ControllerCreateSnapshot');
  }, TEST_TIMEOUT_MS);

  test('an empty driver name is fatal', async () => {
    const driver = await startDriver(cleanups, { handlers: { GetPluginInfo: () => ({ name: '' }) } });
    const err = await startupError(runHandshake(driver));
    expect(err.code).toBe('DriverNameFailed');
    expect(err.message).toBe('error getting CSI driver name: driver name is empty');
    expect(driver.methods()).toEqual(['GetPluginInfo']);
  }, TEST_TIMEOUT_MS);

  test('an unreachable driver is a StartupError naming the socket', async () => {
    const driver = await startDriver(cleanups);
    const missing = `${driver.dir}/other.sock`;
    const err = await startupError(
      handshake({
        options: testOptions({ csiAddress: missing }),
        log: new CapturingLogger(),
        clock: systemClock,
        onConnectionLost: () => undefined,
        connectTimeoutMs: 500,
      }),
    );
    expect(err.code).toBe('CsiConnectFailed');
    expect(err.message).toContain(`error connecting to CSI driver: unix://${missing} not ready after 0.5s`);
  }, TEST_TIMEOUT_MS);
});
