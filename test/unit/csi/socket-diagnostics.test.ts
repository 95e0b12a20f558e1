import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { CsiConnectError } from '../../../src/csi/connection.js';
import { describeSocketFacts, inspectSocket, socketFactsRemedy, type SocketFacts } from '../../../src/csi/socket-diagnostics.js';
import { VirtualClock } from '../../support/virtual-clock.js';

describe('describeSocketFacts', () => {
  test('a permission problem names our uid, the socket owner and mode, and the remedy', () => {
    const text = describeSocketFacts('/csi/csi.sock', {
      kind: 'permission-denied',
      mode: 0o140755,
      ownerUid: 0,
      ownerGid: 0,
      processUid: 65532,
      processGid: 65532,
    });
    expect(text).toContain('/csi/csi.sock');
    expect(text).toContain('uid 65532');
    expect(text).toContain('owned by uid 0 gid 0');
    expect(text).toContain('mode 0755');
    expect(text).toContain('0660');
    expect(text).toContain('fsGroup');
  });

  test('a missing socket is named', () => {
    expect(describeSocketFacts('/csi/csi.sock', { kind: 'missing' })).toContain('socket /csi/csi.sock does not exist');
  });

  const denied: SocketFacts = { kind: 'permission-denied', mode: 0o140755, ownerUid: 0, ownerGid: 0, processUid: 65532, processGid: 65532 };
  test.each<{ facts: SocketFacts; text: string; remedy: string }>([
    {
      facts: { kind: 'missing' },
      text: 'socket /s does not exist (is the CSI driver running and sharing the socket directory with this container?)',
      remedy: 'is the CSI driver running and sharing the socket directory with this container?',
    },
    { facts: { kind: 'not-a-socket', mode: 0o100644 }, text: '/s exists but is not a unix socket (mode 0644)', remedy: '' },
    {
      facts: denied,
      text:
        'permission denied connecting to /s: this process runs as uid 65532 gid 65532, the socket is owned by uid 0 gid 0 ' +
        'with mode 0755; make the socket writable for this process, e.g. have the driver create it with mode 0660 and a ' +
        "group this container shares (pod securityContext.fsGroup), or run the sidecar as the socket's owner",
      remedy:
        'make the socket writable for this process, e.g. have the driver create it with mode 0660 and a ' +
        "group this container shares (pod securityContext.fsGroup), or run the sidecar as the socket's owner",
    },
    { facts: { kind: 'connect-failed', errno: 'ECONNREFUSED' }, text: 'connecting to /s fails with ECONNREFUSED', remedy: '' },
    {
      facts: { kind: 'connectable' },
      text: '/s accepts connections but the gRPC handshake did not complete (is a gRPC server listening?)',
      remedy: 'is a gRPC server listening?',
    },
  ])('$facts.kind: the exact sentence, and its remedy part on its own', ({ facts, text, remedy }) => {
    expect(describeSocketFacts('/s', facts)).toBe(text);
    expect(socketFactsRemedy(facts)).toBe(remedy);
  });

  test('CsiConnectError carries the socket remedy its message ends with', () => {
    const err = new CsiConnectError({ target: 'unix:///s', socketPath: '/s', timeoutMs: 30_000, facts: { kind: 'missing' } });
    expect(err.code).toBe('CsiConnectTimeout');
    expect(err.remedy).toBe(socketFactsRemedy({ kind: 'missing' }));
    expect(err.message).toBe(`unix:///s not ready after 30s: ${describeSocketFacts('/s', { kind: 'missing' })}`);
  });
});

describe('inspectSocket', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sd-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('reports a missing path', async () => {
    await expect(inspectSocket(path.join(dir, 'none.sock'))).resolves.toEqual({ kind: 'missing' });
  });

  test('reports a regular file as not a socket', async () => {
    const file = path.join(dir, 'file');
    fs.writeFileSync(file, '');
    await expect(inspectSocket(file)).resolves.toMatchObject({ kind: 'not-a-socket' });
  });

  test('reports a listening socket as connectable', async () => {
    const socketPath = path.join(dir, 'ok.sock');
    const server = net.createServer((c) => c.destroy());
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const clock = new VirtualClock();
      const setTimer = jest.spyOn(clock, 'setTimer');
      await expect(inspectSocket(socketPath, { clock })).resolves.toEqual({ kind: 'connectable' });
      // The 1 s connect timeout runs on the injected clock and is cancelled once the connect settles.
      expect(setTimer).toHaveBeenCalledWith(expect.any(Function), 1000);
      expect(clock.pendingTimers()).toBe(0);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
