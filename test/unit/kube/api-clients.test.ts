// Issue 13 item 9: upstream's csi-snapshotter has two clientsets (main.go: snapClient for the
// snapshot API, kubeClient for Secrets and Events), each with its own client-go rate limiter; the
// leader-election client is a third. Our controller clients must keep one token bucket each.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { loadApiClientConfig, loadControllerApiClients } from '../../../src/app/api-client-config.js';
import { FakeApiServer } from '../../support/fake-apiserver.js';
import { VirtualClock } from '../../support/virtual-clock.js';
import { testOptions } from '../../integration/csi/test-options.js';

const NEVER = new AbortController().signal;
let server: FakeApiServer;
beforeAll(async () => {
  server = await FakeApiServer.start();
});
afterAll(async () => {
  await server.close();
});

/** Whether the promise settles before virtual time moves. */
async function immediate(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise<void>((resolve) => setImmediate(resolve));
  return done;
}

describe('controller API clients', () => {
  test('the snapshot client and the core client each have their own --kube-api-qps/--kube-api-burst bucket', async () => {
    const clock = new VirtualClock();
    const options = testOptions({ kubeconfig: server.kubeconfigPath, kubeApiQps: 1, kubeApiBurst: 2 });
    const clients = loadControllerApiClients({ options, version: 'test', clock });
    try {
      // Spend the snapshot client's whole burst: its next request waits for a refill…
      expect(await immediate(clients.snapshot.gate.acquire(NEVER))).toBe(true);
      expect(await immediate(clients.snapshot.gate.acquire(NEVER))).toBe(true);
      const third = clients.snapshot.gate.acquire(NEVER);
      expect(await immediate(third)).toBe(false);
      // …while Secrets and Events (core client) still get their own full burst at once.
      expect(await immediate(clients.core.gate.acquire(NEVER))).toBe(true);
      expect(await immediate(clients.core.gate.acquire(NEVER))).toBe(true);
      expect(await immediate(clients.core.gate.acquire(NEVER))).toBe(false);
      await clock.advance(1000);
      expect(await immediate(third)).toBe(true);
    } finally {
      await clients.close();
    }
  });

  test('a second loadApiClientConfig (the leader-election client) does not share either bucket', async () => {
    const clock = new VirtualClock();
    const options = testOptions({ kubeconfig: server.kubeconfigPath, kubeApiQps: 1, kubeApiBurst: 1 });
    const clients = loadControllerApiClients({ options, version: 'test', clock });
    const election = loadApiClientConfig({ options, version: 'test', clock });
    try {
      expect(await immediate(clients.snapshot.gate.acquire(NEVER))).toBe(true);
      expect(await immediate(clients.core.gate.acquire(NEVER))).toBe(true);
      expect(await immediate(election.gate.acquire(NEVER))).toBe(true);
      expect(await immediate(clients.snapshot.gate.acquire(NEVER))).toBe(false);
    } finally {
      await Promise.all([clients.close(), election.close()]);
      await clock.advance(10_000);
    }
  });
});
