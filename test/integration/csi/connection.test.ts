// Dialling the driver and noticing its loss, against a real grpc-js server on a unix socket.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { systemClock } from '../../../src/base/clock.js';
import { CONNECTION_LOST_MESSAGE, exitOnConnectionLoss } from '../../../src/csi/connection-loss.js';
import { connect, CsiConnectError, type CsiConnection } from '../../../src/csi/connection.js';
import { CsiAddressError } from '../../../src/csi/csi-address.js';
import { CsiClient } from '../../../src/csi/csi-client.js';
import { nullLogger } from '../../../src/observability/logger.js';
import { ScriptedCsiDriver } from '../../support/scripted-csi-driver.js';
import { cleanupsAfterEach } from '../../support/cleanups.js';
import { CapturingLogger } from './capturing-logger.js';

/** Per test and hook (jest's default is 5 s): connect budgets here are at most a few seconds and
 * the CSI --timeout is 5 s (test-options.ts): three times that. */
const TEST_TIMEOUT_MS = 15_000;

const cleanups = cleanupsAfterEach(TEST_TIMEOUT_MS);

function track(connection: CsiConnection): CsiConnection {
  cleanups.push(() => connection.close());
  return connection;
}

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const noLoss = (): void => {
  throw new Error('connection loss not expected');
};

describe('connect', () => {
  test('waits for a socket that appears late, then calls succeed', async () => {
    const driver = ScriptedCsiDriver.create({ listenAfterMs: 400 });
    cleanups.push(() => driver.stop());
    const connection = track(
      await connect({ address: driver.socketPath, log: nullLogger, clock: systemClock, onConnectionLost: noLoss }),
    );
    expect(connection.target).toBe(driver.address);
    const info = await new CsiClient(connection, systemClock).getPluginInfo({ deadline: Date.now() + 5000 });
    expect(info.name).toBe('scripted.csi.k8s.io');
  }, TEST_TIMEOUT_MS);

  test('gives up after the budget with an error naming the socket path', async () => {
    const socketPath = path.join(tempDir(), 'missing.sock');
    const attempt = connect({
      address: `unix://${socketPath}`,
      log: nullLogger,
      clock: systemClock,
      onConnectionLost: noLoss,
      connectTimeoutMs: 1000,
    });
    await expect(attempt).rejects.toBeInstanceOf(CsiConnectError);
    await expect(attempt).rejects.toThrow(`socket ${socketPath} does not exist`);
  }, TEST_TIMEOUT_MS);

  test('logs "Still connecting" while the socket is missing', async () => {
    const socketPath = path.join(tempDir(), 'late.sock');
    const log = new CapturingLogger();
    await connect({
      address: socketPath,
      log,
      clock: systemClock,
      onConnectionLost: noLoss,
      connectTimeoutMs: 700,
      progressLogIntervalMs: 200,
    }).catch(() => undefined);
    expect(log.lines).toContainEqual({ severity: 'warn', msg: `Still connecting to unix://${socketPath}`, fields: {} });
  }, TEST_TIMEOUT_MS);

  test('rejects a non-unix address with the flag name before dialling', async () => {
    await expect(
      connect({ address: 'localhost:10000', log: nullLogger, clock: systemClock, onConnectionLost: noLoss }),
    ).rejects.toThrow(CsiAddressError);
  }, TEST_TIMEOUT_MS);

  test('an aborted signal stops dialling with the signal reason', async () => {
    const controller = new AbortController();
    const reason = new Error('shutting down');
    const attempt = connect({
      address: path.join(tempDir(), 'never.sock'),
      log: nullLogger,
      clock: systemClock,
      signal: controller.signal,
      onConnectionLost: noLoss,
    });
    setTimeout(() => controller.abort(reason), 100);
    await expect(attempt).rejects.toBe(reason);
  }, TEST_TIMEOUT_MS);
});

describe('connection loss', () => {
  test('a driver that goes away after READY triggers the termination message and exit 1', async () => {
    const driver = await ScriptedCsiDriver.start();
    cleanups.push(() => driver.stop());
    const terminationLogPath = path.join(tempDir(), 'termination-log');
    const log = new CapturingLogger();
    let exited: (code: number) => void = () => undefined;
    const exitCode = new Promise<number>((resolve) => (exited = resolve));
    track(
      await connect({
        address: driver.address,
        log,
        clock: systemClock,
        onConnectionLost: exitOnConnectionLoss({ log, terminationLogPath, exit: exited }),
      }),
    );

    await driver.stop();

    await expect(exitCode).resolves.toBe(1);
    expect(fs.readFileSync(terminationLogPath, 'utf8')).toBe(CONNECTION_LOST_MESSAGE);
    expect(log.lines).toContainEqual({ severity: 'error', msg: 'Lost connection to CSI driver, exiting', fields: {} });
  }, TEST_TIMEOUT_MS);

  test('closing the connection ourselves is not a loss', async () => {
    const driver = await ScriptedCsiDriver.start();
    cleanups.push(() => driver.stop());
    let lost = 0;
    const connection = await connect({
      address: driver.address,
      log: nullLogger,
      clock: systemClock,
      onConnectionLost: () => lost++,
    });
    // grpc-js notifies connectivity watchers synchronously inside close().
    connection.close();
    expect(lost).toBe(0);
  }, TEST_TIMEOUT_MS);

  test('an unwritable termination-log path still ends in exit 1', () => {
    const log = new CapturingLogger();
    const codes: number[] = [];
    exitOnConnectionLoss({ log, terminationLogPath: path.join(tempDir(), 'no', 'such', 'dir'), exit: (c) => codes.push(c) })();
    expect(codes).toEqual([1]);
    expect(log.messages()).toEqual(['Failed to write termination message', CONNECTION_LOST_MESSAGE]);
  }, TEST_TIMEOUT_MS);
});
