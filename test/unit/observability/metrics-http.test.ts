import { afterEach, describe, expect, test } from '@jest/globals';
import { startDiagnosticsServer, parseListenAddress } from '../../../src/observability/http-server.js';
import { createMetrics } from '../../../src/observability/metrics.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function serve(opts: { ready?: () => string | undefined; leader?: () => string | undefined } = {}) {
  const metrics = createMetrics({ defaultMetrics: true });
  const srv = await startDiagnosticsServer({
    address: '127.0.0.1:0',
    metricsPath: '/metrics',
    registry: metrics.registry,
    readiness: opts.ready ?? (() => undefined),
    ...(opts.leader ? { leaderElectionCheck: opts.leader } : {}),
  });
  closers.push(srv.close);
  const get = async (path: string) => {
    const r = await fetch(`http://127.0.0.1:${srv.port}${path}`);
    return { status: r.status, body: await r.text() };
  };
  return { metrics, get };
}

describe('metrics', () => {
  test('upstream names, labels and buckets; unknown-driver before the name is known', async () => {
    const { metrics, get } = await serve();
    metrics.csiObserver.observe({ method: '/csi.v1.Identity/GetPluginInfo', seconds: 0.01, code: 'OK' });
    metrics.setDriverName('hostpath.csi.k8s.io');
    metrics.csiObserver.observe({ method: '/csi.v1.Controller/CreateSnapshot', seconds: 3, code: 'DeadlineExceeded' });
    const q = metrics.workQueue('csi-snapshotter-content');
    q.add();
    q.depth(3);
    q.retry();
    q.bindInFlight(() => ({ unfinishedWorkSeconds: 1.5, longestRunningProcessorSeconds: 1 }));
    metrics.setLeader('external-snapshotter-leader-x', true);
    const { status, body } = await get('/metrics');
    expect(status).toBe(200);
    expect(body).toContain('csi_sidecar_operations_seconds_count{driver_name="unknown-driver",method_name="/csi.v1.Identity/GetPluginInfo",grpc_status_code="OK"} 1');
    expect(body).toContain('csi_sidecar_operations_seconds_bucket{le="5",driver_name="hostpath.csi.k8s.io",method_name="/csi.v1.Controller/CreateSnapshot",grpc_status_code="DeadlineExceeded"} 1');
    expect(body).toContain('le="600"');
    expect(body).toContain('workqueue_adds_total{name="csi-snapshotter-content"} 1');
    expect(body).toContain('workqueue_depth{name="csi-snapshotter-content"} 3');
    expect(body).toContain('workqueue_retries_total{name="csi-snapshotter-content"} 1');
    expect(body).toContain('workqueue_unfinished_work_seconds{name="csi-snapshotter-content"} 1.5');
    expect(body).toContain('leader_election_master_status{name="external-snapshotter-leader-x"} 1');
    expect(body).toContain('process_resident_memory_bytes');
  });
});

describe('workqueue series exist from the moment a queue is named (component-base provider)', () => {
  test('both queue names show every workqueue_* series at 0 before any add, and adds count from there', async () => {
    const { metrics, get } = await serve();
    metrics.workQueue('csi-snapshotter-content');
    metrics.workQueue('csi-snapshotter-groupsnapshotcontent');
    const before = (await get('/metrics')).body;
    for (const name of ['csi-snapshotter-content', 'csi-snapshotter-groupsnapshotcontent']) {
      expect(before).toContain(`workqueue_depth{name="${name}"} 0`);
      expect(before).toContain(`workqueue_adds_total{name="${name}"} 0`);
      expect(before).toContain(`workqueue_retries_total{name="${name}"} 0`);
      expect(before).toContain(`workqueue_queue_duration_seconds_count{name="${name}"} 0`);
      expect(before).toContain(`workqueue_work_duration_seconds_count{name="${name}"} 0`);
      expect(before).toContain(`workqueue_unfinished_work_seconds{name="${name}"} 0`);
      expect(before).toContain(`workqueue_longest_running_processor_seconds{name="${name}"} 0`);
    }
    // Naming a queue again (the controller making it) keeps the counts.
    metrics.workQueue('csi-snapshotter-content').add();
    metrics.workQueue('csi-snapshotter-content').add();
    expect((await get('/metrics')).body).toContain('workqueue_adds_total{name="csi-snapshotter-content"} 2');
  });
});

describe('diagnostics endpoints', () => {
  test('404 elsewhere, healthz ok, readyz follows readiness, leader endpoint only when configured', async () => {
    let why: string | undefined = 'caches not synced';
    const { get } = await serve({ ready: () => why });
    expect((await get('/nope')).status).toBe(404);
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok' });
    expect(await get('/readyz')).toEqual({ status: 503, body: 'not ready: caches not synced' });
    why = undefined;
    expect((await get('/readyz')).status).toBe(200);
    expect((await get('/healthz/leader-election')).status).toBe(404);
  });
  test('leader-election health as upstream', async () => {
    let err: string | undefined;
    const { get } = await serve({ leader: () => err });
    expect(await get('/healthz/leader-election')).toEqual({ status: 200, body: 'ok' });
    err = 'failed election to renew leadership on lease x';
    expect(await get('/healthz/leader-election')).toEqual({ status: 500, body: 'internal server error: failed election to renew leadership on lease x' });
  });
  test.each([
    [':8080', { host: undefined, port: 8080 }],
    ['127.0.0.1:9', { host: '127.0.0.1', port: 9 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
  ])('parseListenAddress(%s)', (a, expected) => expect(parseListenAddress(a)).toEqual(expected));
  test('an address without a port is a clear error', () => expect(() => parseListenAddress('localhost')).toThrow(/missing port/));
});
