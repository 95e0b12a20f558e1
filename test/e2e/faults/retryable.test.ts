// Fault suite: retryable driver answers and a timeout, through the fault proxy in front of a private
// hostpathplugin. Each case reads the driver's own snapshots, the API objects and the proxy's log.
import { describe, expect, test } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { waitFor } from '../../support/polling.js';
import { gaps } from '../../world/csi-fault-proxy.js';
import { backendFor, contentName, recordRow, waitReady, type FaultEnv } from './fault-world.js';
import { faultWorldPerFile } from './fault-world-per-file.js';

let env: FaultEnv;
faultWorldPerFile('retry', (e) => (env = e));

const snapName = (uid: string): string => `snapshot-${uid}`;

describe('retryable CreateSnapshot answers', () => {
  test.each([
    ['Unavailable', grpc.status.UNAVAILABLE],
    ['Aborted', grpc.status.ABORTED],
    ['ResourceExhausted', grpc.status.RESOURCE_EXHAUSTED],
  ])('%s three times: retried with growing back-off, then ready with exactly one backend snapshot', async (_name, code) => {
    const f = await env.fixture();
    const name = snapName(f.snapshot.metadata.uid);
    env.proxy.on('CreateSnapshot', { times: 3, match: (r) => r['name'] === name, action: { kind: 'error', code } });
    const content = await waitReady(env, contentName(f));
    const calls = env.proxy.calls('CreateSnapshot').filter((c) => c.request['name'] === name);
    // 3 injected errors, then the driver's answer; none of the errors reached the driver.
    expect(calls.slice(0, 4).map((c) => [c.code, c.forwarded])).toEqual([[code, false], [code, false], [code, false], [0, true]]);
    // --retry-interval-start=200ms doubling: ~200, ~400, ~800 ms between the calls.
    const spacing = gaps(calls.slice(0, 4));
    expect(spacing[0]).toBeGreaterThanOrEqual(180);
    expect(spacing[1]).toBeGreaterThanOrEqual(380);
    expect(spacing[2]).toBeGreaterThanOrEqual(760);
    const onDriver = await backendFor(env, f);
    expect(onDriver.map((s) => s.snapshot_id)).toEqual([content.status?.snapshotHandle]);
    recordRow(`retryable ${_name}`, `CreateSnapshot answered ${_name} 3 times (not forwarded)`, `ready; proxy: ${calls.length} CreateSnapshot calls, gaps ${spacing.join('/')} ms; driver: ${onDriver.length} snapshot`);
  });
});

describe('timeout', () => {
  test('the driver finishes CreateSnapshot after the sidecar gave up (--timeout=5s): retried by name, one backend snapshot', async () => {
    const f = await env.fixture();
    const name = snapName(f.snapshot.metadata.uid);
    // The first call reaches the driver only 6.5 s later, after the caller's 5 s deadline.
    env.proxy.on('CreateSnapshot', { times: 1, match: (r) => r['name'] === name, delayMs: 6_500 });
    const content = await waitReady(env, contentName(f));
    const calls = env.proxy.calls('CreateSnapshot').filter((c) => c.request['name'] === name);
    expect(calls[0]).toMatchObject({ outcome: 'cancelled' });
    expect(calls.slice(1).some((c) => c.code === 0)).toBe(true);
    // Wait for the late first call to reach the driver too, then count.
    await waitFor(() => calls[0]?.driverCode !== undefined, 'the driver to answer the late first call', { timeoutMs: 10_000, intervalMs: 100 });
    expect(calls[0]?.forwarded).toBe(true);
    expect(calls[0]?.driverCode).toBe(0);
    const onDriver = await backendFor(env, f);
    expect(onDriver.map((s) => s.snapshot_id)).toEqual([content.status?.snapshotHandle]);
    recordRow('timeout, driver finishes late', 'first CreateSnapshot held 6.5 s by the proxy, then forwarded (sidecar --timeout=5s)', `ready; proxy: ${calls.length} calls (first cancelled by the caller, driver answered it OK later); driver: ${onDriver.length} snapshot`);
  });
});
