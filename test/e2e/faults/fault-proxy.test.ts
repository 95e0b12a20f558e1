// The fault-injecting CSI proxy itself, against a REAL gRPC server: a private hostpathplugin. Each
// rule kind is checked on both sides — what the caller got, and what the driver holds (asked on its
// own socket, not through the proxy) — plus the proxy's call log.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { poll } from '../../support/polling.js';
import { CsiAdmin } from '../../world/csi-admin.js';
import { CsiFaultProxy, csiMethods, decodeResponse, encodeRequest, gaps } from '../../world/csi-fault-proxy.js';
import { startPrivateHostpath, type PrivateHostpath } from './private-hostpath.js';
import { faultCsiProto } from './fault-world.js';
import { readWorldJson } from '../../world/world-json.js';

const csiProto = faultCsiProto();
let dir: string;
let hp: PrivateHostpath;
let proxy: CsiFaultProxy;
let direct: CsiAdmin;
let client: grpc.Client;
let volumeId: string;

const signal = (): AbortSignal => AbortSignal.timeout(20_000);

interface Answer {
  readonly code: number;
  readonly details?: string;
  readonly res?: Record<string, unknown>;
}

/** The server side learns of a caller's deadline a moment after the caller does. */
async function settled(method: string, index = 0): Promise<ReturnType<CsiFaultProxy['calls']>[number]> {
  return poll(`call ${index} of ${method} settled`, () => {
    const rec = proxy.calls(method)[index];
    return rec && rec.outcome !== 'pending' ? rec : undefined;
  }, {
    timeoutMs: 5_000,
    intervalMs: 50,
    timeoutError: () => new Error(`call ${index} of ${method} still pending: ${JSON.stringify(proxy.calls(method)[index])}`),
  });
}

function call(method: string, service: string, request: Record<string, unknown>, timeoutMs = 10_000): Promise<Answer> {
  const buf = encodeRequest(csiProto, method, request);
  return new Promise((resolve) => {
    client.makeUnaryRequest(`/csi.v1.${service}/${method}`, (b: Buffer) => b, (b: Buffer) => b, buf, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err) resolve({ code: err.code, details: err.details });
      else resolve({ code: 0, res: res ? decodeResponse(csiProto, method, res) : {} });
    });
  });
}

const createSnapshot = (name: string, timeoutMs?: number): Promise<Answer> =>
  call('CreateSnapshot', 'Controller', { name, source_volume_id: volumeId }, timeoutMs);

async function driverSnapshotNames(): Promise<readonly string[]> {
  // hostpath answers ListSnapshots by source volume with its FIRST match only: list all and filter.
  return (await direct.listSnapshots({}, signal())).filter((s) => s.source_volume_id === volumeId).map((s) => s.snapshot_id);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fp-'));
  const worldFile = process.env['TESTWORLD'];
  hp = await startPrivateHostpath({ driverName: 'proxy.faults.csi.test', dir, csiProto, ...(worldFile ? { binary: readWorldJson(worldFile).hostpathPlugin } : {}) });
  proxy = await CsiFaultProxy.start({ csiProto, target: hp.endpoint, socketPath: path.join(dir, 'proxy.sock') });
  direct = CsiAdmin.open({ endpoint: hp.endpoint, csiProto });
  client = new grpc.Client(proxy.endpoint, grpc.credentials.createInsecure());
  volumeId = (await direct.createVolume({ name: 'proxy-vol' }, signal())).volume_id;
}, 60_000);

afterAll(async () => {
  client?.close();
  direct?.close();
  await proxy?.close();
  await hp?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('CSI fault proxy in front of hostpathplugin', () => {
  test('lists every unary method of the four official services', () => {
    const names = csiMethods(csiProto).map((m) => m.path);
    expect(names).toContain('/csi.v1.Controller/CreateSnapshot');
    expect(names).toContain('/csi.v1.GroupController/CreateVolumeGroupSnapshot');
    expect(names).toContain('/csi.v1.Identity/Probe');
    expect(names).toContain('/csi.v1.Node/NodeGetInfo');
  });

  test('forwards unchanged: the caller gets the driver answer, the driver holds the snapshot, the log has the call', async () => {
    proxy.clearLog();
    const info = await call('GetPluginInfo', 'Identity', {});
    expect(info.res?.['name']).toBe('proxy.faults.csi.test');
    const before = await driverSnapshotNames();
    const a = await createSnapshot('fwd-1');
    expect(a.code).toBe(0);
    const snap = a.res?.['snapshot'] as { snapshot_id: string; source_volume_id: string };
    expect(snap.source_volume_id).toBe(volumeId);
    const after = await driverSnapshotNames();
    expect(after.filter((id) => !before.includes(id))).toEqual([snap.snapshot_id]);
    const logged = proxy.calls('CreateSnapshot');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ method: 'CreateSnapshot', outcome: 'answered', code: 0, forwarded: true, driverCode: 0, action: 'forward' });
    expect(logged[0]?.request).toMatchObject({ name: 'fwd-1', source_volume_id: volumeId });
  });

  test('error N times: answered without the driver, then forwarded', async () => {
    proxy.clearLog();
    const remove = proxy.on('CreateSnapshot', { times: 2, action: { kind: 'error', code: grpc.status.UNAVAILABLE } });
    const before = await driverSnapshotNames();
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await createSnapshot('err-n')).code);
    remove();
    expect(codes).toEqual([grpc.status.UNAVAILABLE, grpc.status.UNAVAILABLE, grpc.status.OK]);
    expect(proxy.calls('CreateSnapshot').map((c) => c.forwarded)).toEqual([false, false, true]);
    expect((await driverSnapshotNames()).filter((id) => !before.includes(id))).toHaveLength(1);
  });

  test('delay: the answer comes after the delay, the driver answered', async () => {
    proxy.clearLog();
    const remove = proxy.on('GetPluginInfo', { times: 1, delayMs: 400 });
    const a = await call('GetPluginInfo', 'Identity', {});
    remove();
    expect(a.code).toBe(0);
    const rec = proxy.calls('GetPluginInfo')[0];
    expect((rec?.end ?? 0) - (rec?.start ?? 0)).toBeGreaterThanOrEqual(390);
  });

  test('hang: the caller times out, the driver never saw the call', async () => {
    proxy.clearLog();
    const remove = proxy.on('CreateSnapshot', { action: { kind: 'hang' } });
    const before = await driverSnapshotNames();
    const a = await createSnapshot('hang-1', 500);
    remove();
    expect(a.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(await settled('CreateSnapshot')).toMatchObject({ outcome: 'cancelled', forwarded: false });
    expect(await driverSnapshotNames()).toEqual(before);
  });

  test('forward-then-error: the caller gets the error, the driver did the work', async () => {
    proxy.clearLog();
    proxy.on('CreateSnapshot', { times: 1, action: { kind: 'forward-then-error', code: grpc.status.INTERNAL } });
    const before = await driverSnapshotNames();
    const a = await createSnapshot('fte-1');
    expect(a.code).toBe(grpc.status.INTERNAL);
    expect(proxy.calls('CreateSnapshot')[0]).toMatchObject({ outcome: 'answered', code: grpc.status.INTERNAL, forwarded: true, driverCode: 0 });
    expect((await driverSnapshotNames()).filter((id) => !before.includes(id))).toHaveLength(1);
    // Retried by name, the driver answers the same snapshot (idempotent): still one.
    const again = await createSnapshot('fte-1');
    expect(again.code).toBe(0);
    expect((await driverSnapshotNames()).filter((id) => !before.includes(id))).toHaveLength(1);
  });

  test('forward-then-hang: the caller times out after the driver did the work', async () => {
    proxy.clearLog();
    proxy.on('CreateSnapshot', { times: 1, action: { kind: 'forward-then-hang' } });
    const before = await driverSnapshotNames();
    const a = await createSnapshot('fth-1', 1500);
    expect(a.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(await settled('CreateSnapshot')).toMatchObject({ outcome: 'cancelled', forwarded: true, driverCode: 0 });
    expect((await driverSnapshotNames()).filter((id) => !before.includes(id))).toHaveLength(1);
  });

  test('forward-then-hook: the hook runs after the driver answered and before the caller is answered', async () => {
    proxy.clearLog();
    const seen: { answeredYet: boolean; snapshotId: string; onDriver: number }[] = [];
    let answered = false;
    proxy.on('CreateSnapshot', {
      times: 1,
      action: {
        kind: 'forward-then-hook',
        hook: async (rec, decoded) => {
          const id = ((decoded as { snapshot?: { snapshot_id?: string } }).snapshot?.snapshot_id) ?? '';
          seen.push({ answeredYet: answered || rec.outcome !== 'pending', snapshotId: id, onDriver: (await direct.listSnapshots({ snapshotId: id }, signal())).length });
        },
      },
    });
    const a = await createSnapshot('hook-1');
    answered = true;
    expect(a.code).toBe(0);
    const id = (a.res?.['snapshot'] as { snapshot_id: string }).snapshot_id;
    expect(seen).toEqual([{ answeredYet: false, snapshotId: id, onDriver: 1 }]);
  });

  test('match: a rule applies only to the requests it accepts; rules can be swapped while running', async () => {
    proxy.clearLog();
    const remove = proxy.on('CreateSnapshot', { match: (r) => r['name'] === 'only-me', action: { kind: 'error', code: grpc.status.ABORTED } });
    expect((await createSnapshot('only-me')).code).toBe(grpc.status.ABORTED);
    expect((await createSnapshot('not-me')).code).toBe(0);
    remove();
    expect((await createSnapshot('only-me')).code).toBe(0);
    expect(gaps(proxy.calls('CreateSnapshot'))).toHaveLength(2);
  });

  test('closeListener drops callers; listen brings the same endpoint back', async () => {
    proxy.closeListener();
    expect((await call('Probe', 'Identity', {}, 1000)).code).not.toBe(0);
    await proxy.listen();
    // The caller's channel reconnects on its own (after its back-off).
    let back = await call('Probe', 'Identity', {}, 1000);
    for (let i = 0; i < 20 && back.code !== 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      back = await call('Probe', 'Identity', {}, 1000);
    }
    expect(back.code).toBe(0);
  });
});
