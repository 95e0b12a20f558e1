import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../../src/base/clock.js';
import { loadKubeConfig } from '../../../src/kube/kube-config.js';
import { KubeTransport } from '../../../src/kube/kube-transport.js';
import { KubeApiError, KubeRequestError } from '../../../src/kube/kube-api-error.js';
import { VOLUME_SNAPSHOT_CONTENT } from '../../../src/kube/resources.js';
import { ResourceClient } from '../../../src/kube/resource-client.js';
import type { RequestGate } from '../../../src/kube/request-gate.js';
import type { VolumeSnapshotContent } from '../../../src/kube/types.js';
import { FakeApiServer } from '../../support/fake-apiserver.js';
import { VirtualClock } from '../../support/virtual-clock.js';
import { waitFor } from '../../support/polling.js';
import { makeStack, vsc } from './harness.js';
import { openGate } from '../../support/open-gate.js';

let server: FakeApiServer;
beforeAll(async () => {
  server = await FakeApiServer.start();
});
afterAll(async () => {
  await server.close();
});

const signal = (): AbortSignal => AbortSignal.timeout(4000);

describe('KubeTransport and ResourceClient against a fake apiserver', () => {
  test('every request carries our User-Agent and the kubeconfig bearer token', async () => {
    server.handle((_req, res) => res.json(200, vsc('a', '5')));
    const { kc, transport } = makeStack(server);
    const client = new ResourceClient<VolumeSnapshotContent>(transport, VOLUME_SNAPSHOT_CONTENT);
    try {
      const got = await client.get('a', signal());
      expect(got.metadata.resourceVersion).toBe('5');
      const req = server.requests.at(-1);
      expect(req?.headers['user-agent']).toBe('csi-snapshotter/9.9.9-test');
      expect(req?.headers['authorization']).toBe('Bearer fake-token');
      expect(req?.path).toBe('/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/a');
    } finally {
      await kc.close();
    }
  });

  test('the gate is awaited before each request is sent', async () => {
    server.handle((_req, res) => res.json(200, vsc('a', '5')));
    const waiting: Array<() => void> = [];
    const gate: RequestGate = { acquire: () => new Promise<void>((resolve) => waiting.push(resolve)) };
    const { kc, transport } = makeStack(server, { gate });
    const client = new ResourceClient<VolumeSnapshotContent>(transport, VOLUME_SNAPSHOT_CONTENT);
    try {
      const before = server.requests.length;
      const pending = client.get('a', signal());
      await waitFor(() => waiting.length === 1, 'the gate asked');
      expect(server.requests.length).toBe(before); // held by the gate
      waiting[0]?.();
      await pending;
      expect(server.requests.length).toBe(before + 1);
      const second = client.get('a', signal());
      await waitFor(() => waiting.length === 2, 'the gate asked again'); // one acquire per request
      waiting[1]?.();
      await second;
    } finally {
      await kc.close();
    }
  });

  test('sequential requests reuse one pooled TLS connection (T2)', async () => {
    server.handle((_req, res) => res.json(200, vsc('a', '5')));
    const { kc, transport } = makeStack(server);
    const client = new ResourceClient<VolumeSnapshotContent>(transport, VOLUME_SNAPSHOT_CONTENT);
    try {
      const before = server.connections;
      for (let i = 0; i < 10; i++) await client.get('a', signal());
      // Unpooled, client-node opens one TLS connection per request (10); the keep-alive agent
      // opens one and keeps it.
      expect(server.connections - before).toBe(1);
    } finally {
      await kc.close();
    }
  });

  test('a status write goes out with exact int64 digits and reads them back exactly', async () => {
    // Echo the written status back verbatim, as the apiserver stores it.
    server.handle((req, res) => res.text(200, `{"metadata":{"name":"a","resourceVersion":"6"},"status":${req.body.slice('{"status":'.length, -1)}}`));
    const { kc, transport } = makeStack(server);
    const client = new ResourceClient<VolumeSnapshotContent>(transport, VOLUME_SNAPSHOT_CONTENT);
    try {
      const updated = await client.patch(
        'a',
        { type: 'merge', body: { status: { creationTime: 1700000000123456789n, readyToUse: true } } },
        { subresource: 'status', signal: signal() },
      );
      const req = server.requests.at(-1);
      expect(req?.method).toBe('PATCH');
      expect(req?.path).toBe('/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/a/status');
      expect(req?.headers['content-type']).toBe('application/merge-patch+json');
      expect(req?.body).toBe('{"status":{"creationTime":1700000000123456789,"readyToUse":true}}');
      expect(updated.status?.creationTime).toBe(1700000000123456789n);
    } finally {
      await kc.close();
    }
  });

  test('JSON patches are sent as application/json-patch+json arrays; replaceStatus is a PUT on /status', async () => {
    server.handle((req, res) => res.json(200, vsc('a', req.method === 'PUT' ? '8' : '7')));
    const { kc, transport } = makeStack(server);
    const client = new ResourceClient<VolumeSnapshotContent>(transport, VOLUME_SNAPSHOT_CONTENT);
    try {
      await client.patch('a', { type: 'json', ops: [{ op: 'test', path: '/metadata/finalizers/0', value: 'f' }, { op: 'remove', path: '/metadata/finalizers/0' }] }, { signal: signal() });
      const patchReq = server.requests.at(-1);
      expect(patchReq?.headers['content-type']).toBe('application/json-patch+json');
      expect(JSON.parse(patchReq?.body ?? '')).toEqual([
        { op: 'test', path: '/metadata/finalizers/0', value: 'f' },
        { op: 'remove', path: '/metadata/finalizers/0' },
      ]);
      const replaced = await client.replaceStatus(vsc('a', '7'), signal());
      expect(server.requests.at(-1)?.method).toBe('PUT');
      expect(server.requests.at(-1)?.path).toBe('/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/a/status');
      expect(replaced.metadata.resourceVersion).toBe('8');
    } finally {
      await kc.close();
    }
  });

  test('list sends selector, limit and continue, and returns items, resourceVersion and the next token', async () => {
    server.handle((_req, res) => res.json(200, { kind: 'List', metadata: { resourceVersion: '42', continue: 'tok2' }, items: [vsc('a', '40')] }));
    const { kc, transport } = makeStack(server);
    const client = new ResourceClient<VolumeSnapshotContent>(transport, VOLUME_SNAPSHOT_CONTENT);
    try {
      const page = await client.list({ labelSelector: 'x=y', limit: 10, continue: 'tok1', signal: signal() });
      const q = server.requests.at(-1)?.query;
      expect([q?.get('labelSelector'), q?.get('limit'), q?.get('continue')]).toEqual(['x=y', '10', 'tok1']);
      expect(page.resourceVersion).toBe('42');
      expect(page.continue).toBe('tok2');
      expect(page.items.map((i) => i.metadata.name)).toEqual(['a']);
    } finally {
      await kc.close();
    }
  });

  test('a Status error body becomes a KubeApiError with code and reason, without response headers', async () => {
    server.handle((_req, res) => res.status(409, 'Conflict', 'the object has been modified', { 'x-secret-header': 'hdr-value' }));
    const { kc, transport } = makeStack(server);
    const client = new ResourceClient<VolumeSnapshotContent>(transport, VOLUME_SNAPSHOT_CONTENT);
    try {
      const err = await client.replaceStatus(vsc('a', '1'), signal()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeApiError);
      expect((err as KubeApiError).httpStatus).toBe(409);
      expect((err as KubeApiError).code).toBe('http-409');
      expect((err as KubeApiError).reason).toBe('Conflict');
      expect((err as KubeApiError).message).not.toContain('hdr-value');
    } finally {
      await kc.close();
    }
  });

  test('a 429 is retried after its Retry-After and then succeeds', async () => {
    let calls = 0;
    server.handle((_req, res) => {
      calls++;
      if (calls === 1) res.status(429, 'TooManyRequests', 'slow down', { 'retry-after': '0' });
      else res.json(200, vsc('a', '9'));
    });
    const { kc, transport } = makeStack(server);
    const client = new ResourceClient<VolumeSnapshotContent>(transport, VOLUME_SNAPSHOT_CONTENT);
    try {
      const got = await client.get('a', signal());
      expect(calls).toBe(2);
      expect(got.metadata.resourceVersion).toBe('9');
    } finally {
      await kc.close();
    }
  });

  test('a request without a response within the timeout fails with KubeRequestError Timeout, at that instant', async () => {
    server.handle(() => undefined); // never answers
    const clock = new VirtualClock();
    const { kc, transport } = makeStack(server, { requestTimeoutMs: 100, clock });
    const client = new ResourceClient<VolumeSnapshotContent>(transport, VOLUME_SNAPSHOT_CONTENT);
    try {
      const before = server.requests.length;
      let settled = false;
      const pending = client.get('a', signal()).catch((e: unknown) => e).finally(() => (settled = true));
      await waitFor(() => server.requests.length > before, 'the request at the server');
      expect(clock.nextDue()).toBe(100); // the request's deadline, on the injected clock
      await clock.advance(99);
      expect(settled).toBe(false);
      await clock.advance(1);
      const err = await pending;
      expect(err).toBeInstanceOf(KubeRequestError);
      expect((err as KubeRequestError).code).toBe('Timeout');
    } finally {
      server.endAll();
      await kc.close();
    }
  });

  test("cancelling by the caller's signal rejects with the signal's reason, not an API error", async () => {
    server.handle(() => undefined);
    const { kc, transport } = makeStack(server);
    const client = new ResourceClient<VolumeSnapshotContent>(transport, VOLUME_SNAPSHOT_CONTENT);
    const ac = new AbortController();
    try {
      const before = server.requests.length;
      const pending = client.get('a', ac.signal).catch((e: unknown) => e);
      await waitFor(() => server.requests.length > before, 'the request at the server');
      const reason = new Error('shutting down');
      ac.abort(reason);
      expect(await pending).toBe(reason);
    } finally {
      server.endAll();
      await kc.close();
    }
  });

  test('requests still work after the connection pool was closed', async () => {
    server.handle((_req, res) => res.json(200, vsc('a', '5')));
    const { kc, transport } = makeStack(server);
    const client = new ResourceClient<VolumeSnapshotContent>(transport, VOLUME_SNAPSHOT_CONTENT);
    await client.get('a', signal());
    await kc.close();
    const again = await client.get('a', signal());
    expect(again.metadata.name).toBe('a');
  });

  test('a kubeconfig proxy-url sends requests through that HTTP proxy (CONNECT)', async () => {
    server.handle((_req, res) => res.json(200, vsc('a', '5')));
    const tunnels: string[] = [];
    const proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const file = path.join(path.dirname(server.kubeconfigPath), 'kubeconfig-proxy');
    fs.writeFileSync(file, fs.readFileSync(server.kubeconfigPath, 'utf8').replace(/(\n    server: .*)/, `$1\n    proxy-url: ${proxyUrl}`));
    const kc = loadKubeConfig({ kubeconfigPath: file, env: {}, userAgent: 'csi-snapshotter/proxy-test', gate: openGate });
    const transport = new KubeTransport({ kubeConfig: kc, clock: systemClock });
    try {
      const got = await new ResourceClient<VolumeSnapshotContent>(transport, VOLUME_SNAPSHOT_CONTENT).get('a', signal());
      expect(got.metadata.name).toBe('a');
      expect(tunnels).toEqual([new URL(server.url).host]);
    } finally {
      await kc.close();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});
