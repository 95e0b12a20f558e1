// Fault suite: the driver socket appearing late, the driver restarting behind a connection that
// stays up (calls fail Unavailable meanwhile), and the driver restarting with the connection lost
// (the sidecar exits 1 with the termination message, as upstream; restarted, it finishes the work).
// Driver: a private hostpathplugin (state survives its restart) behind the fault proxy.
import { describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { backendFor, contentName, recordRow, sleep, waitReady, type FaultEnv } from './fault-world.js';
import { faultWorldPerFile } from './fault-world-per-file.js';

let env: FaultEnv;
faultWorldPerFile('conn', (e) => (env = e), { noSidecar: true });

const running = (env: FaultEnv): boolean => env.sidecar.process.exitCode === null && env.sidecar.process.signalCode === null;

describe('driver connectivity', () => {
  test('the socket appears 8 s after the sidecar started: it waits, then works', async () => {
    env.proxy.closeListener();
    env.proxy.clearLog();
    env.startSidecar();
    const f = await env.fixture();
    await sleep(8_000);
    expect(running(env)).toBe(true);
    expect(env.proxy.calls()).toEqual([]);
    await env.proxy.listen();
    const content = await waitReady(env, contentName(f));
    const methods = env.proxy.calls().map((c) => c.method);
    expect(methods.indexOf('GetPluginInfo')).toBeGreaterThanOrEqual(0);
    expect(methods.indexOf('GetPluginInfo')).toBeLessThan(methods.indexOf('CreateSnapshot'));
    expect((await backendFor(env, f)).map((s) => s.snapshot_id)).toEqual([content.status?.snapshotHandle]);
    recordRow('socket appears late', 'no socket for the first 8 s of the sidecar', `sidecar kept waiting (0 calls), then ready; proxy: ${methods.length} calls; driver: 1 snapshot`);
  });

  test('the driver restarts behind a live connection: Unavailable meanwhile, then ready; earlier snapshots kept; one backend snapshot each', async () => {
    const before = await env.fixture();
    const beforeHandle = (await waitReady(env, contentName(before))).status?.snapshotHandle;
    // The driver goes down the moment the sidecar's CreateSnapshot for `during` arrives.
    const during = await env.fixture();
    const name = `snapshot-${during.snapshot.metadata.uid}`;
    env.proxy.on('CreateSnapshot', { times: 1, match: (r) => r['name'] === name, action: { kind: 'hook-then-forward', hook: () => env.hostpath.stop() } });
    // Wait for failed attempts while the driver is down (and a little of the back-off).
    for (let i = 0; i < 100 && env.proxy.calls('CreateSnapshot').filter((c) => c.request['name'] === name && c.outcome === 'answered').length < 2; i++) await sleep(100);
    await sleep(1_000);
    await env.hostpath.start();
    const content = await waitReady(env, contentName(during));
    const calls = env.proxy.calls('CreateSnapshot').filter((c) => c.request['name'] === name);
    expect(calls[0]?.code).toBe(grpc.status.UNAVAILABLE);
    expect(calls.at(-1)?.code).toBe(0);
    expect(running(env)).toBe(true);
    expect((await backendFor(env, during)).map((s) => s.snapshot_id)).toEqual([content.status?.snapshotHandle]);
    expect((await backendFor(env, before)).map((s) => s.snapshot_id)).toEqual([beforeHandle]);
    recordRow('driver restart, connection kept', 'hostpathplugin stopped when CreateSnapshot arrived, started again ~1-2 s later', `sidecar kept running; proxy: ${calls.length} CreateSnapshot (${calls.filter((c) => c.code === grpc.status.UNAVAILABLE).length} Unavailable, then OK); driver: 1 snapshot each, the earlier one kept`);
  });

  test('the driver restarts and the connection is lost mid-create: the sidecar exits 1 with the termination message; restarted, one backend snapshot', async () => {
    const f = await env.fixture();
    const name = `snapshot-${f.snapshot.metadata.uid}`;
    env.proxy.on('CreateSnapshot', { times: 1, match: (r) => r['name'] === name, delayMs: 1_500 });
    for (let i = 0; i < 200 && !env.proxy.calls('CreateSnapshot').some((c) => c.request['name'] === name); i++) await sleep(50);
    const old = env.sidecar;
    env.proxy.closeListener();
    await env.hostpath.restart();
    expect(await old.exited).toBe(1);
    const termination = fs.readdirSync(env.dir).filter((n) => n.startsWith('termination-')).map((n) => fs.readFileSync(path.join(env.dir, n), 'utf8'));
    expect(termination.join('\n')).toContain('Lost connection to CSI driver');
    await env.proxy.listen();
    env.startSidecar();
    const content = await waitReady(env, contentName(f));
    expect((await backendFor(env, f)).map((s) => s.snapshot_id)).toEqual([content.status?.snapshotHandle]);
    recordRow('driver restart, connection lost mid-create', 'socket closed and hostpathplugin restarted while a CreateSnapshot was held', `sidecar exit 1 + "Lost connection to CSI driver" termination message; restarted: ready; proxy: ${env.proxy.calls('CreateSnapshot').filter((c) => c.request['name'] === name).length} CreateSnapshot; driver: 1 snapshot`);
  });
});
