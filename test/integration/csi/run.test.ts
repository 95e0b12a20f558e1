// runSidecar end to end against a scripted driver: exit codes for a normal stop, a start-up
// failure and a lost driver.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { runSidecar } from '../../../src/app/run.js';
import { CONNECTION_LOST_MESSAGE } from '../../../src/csi/connection-loss.js';
import { ScriptedCsiDriver, type ScriptedCsiDriverOptions } from '../../support/scripted-csi-driver.js';
import { CapturingLogger } from './capturing-logger.js';
import { testOptions } from './test-options.js';
import { loadWorld } from '../../support/world-handle.js';

// runSidecar also starts the Kubernetes side: it talks to the real test-world apiserver.
const kubeconfig = (): string => loadWorld().kubeconfig;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startDriver(options: ScriptedCsiDriverOptions = {}): Promise<ScriptedCsiDriver> {
  const driver = await ScriptedCsiDriver.start(options);
  cleanups.push(() => driver.stop());
  return driver;
}

/** Resolves once the log has a line with `msg`. */
async function logged(log: CapturingLogger, msg: string): Promise<void> {
  while (!log.messages().includes(msg)) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('runSidecar', () => {
  test('runs until stopped and returns 0', async () => {
    const driver = await startDriver({ driverName: 'run.csi.k8s.io' });
    const log = new CapturingLogger();
    const stop = new AbortController();
    const run = runSidecar(testOptions({ csiAddress: driver.address, kubeconfig: kubeconfig() }), log, { stopSignal: stop.signal });
    await logged(log, 'CSI driver ready');
    stop.abort();
    await expect(run).resolves.toBe(0);
    expect(log.lines.find((l) => l.msg === 'CSI driver ready')?.fields).toMatchObject({ driver: 'run.csi.k8s.io' });
  });

  test('a start-up failure is logged and returns exit code 1', async () => {
    const driver = await startDriver({ driverName: 'nosnap', controllerCapabilities: [] });
    const log = new CapturingLogger();
    await expect(runSidecar(testOptions({ csiAddress: driver.address }), log)).resolves.toBe(1);
    expect(log.lines.filter((l) => l.severity === 'error').map((l) => l.msg)).toEqual([
      'CSI driver nosnap does not support ControllerCreateSnapshot',
    ]);
  });

  test('losing the driver writes the termination message and returns 1', async () => {
    const driver = await startDriver();
    const log = new CapturingLogger();
    const terminationLogPath = path.join(driver.dir, '..', `${path.basename(driver.dir)}-termination-log`);
    cleanups.push(() => fs.rmSync(terminationLogPath, { force: true }));
    const run = runSidecar(testOptions({ csiAddress: driver.address, kubeconfig: kubeconfig() }), log, { terminationLogPath });
    await logged(log, 'CSI driver ready');
    await driver.stop();
    await expect(run).resolves.toBe(1);
    expect(fs.readFileSync(terminationLogPath, 'utf8')).toBe(CONNECTION_LOST_MESSAGE);
  });

  test('no kubeconfig and not in a pod: one clear error with the remedy, exit 1', async () => {
    const driver = await startDriver();
    const log = new CapturingLogger();
    await expect(runSidecar(testOptions({ csiAddress: driver.address, kubeconfig: '' }), log)).resolves.toBe(1);
    const errors = log.lines.filter((l) => l.severity === 'error').map((l) => l.msg);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('pass --kubeconfig <file> when running outside a cluster');
  });
});
