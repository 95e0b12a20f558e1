import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SecretReadError, SecretReader } from '../../../src/kube/secret-reader.js';
import { FakeApiServer } from '../../support/fake-apiserver.js';
import { makeStack } from './harness.js';

let server: FakeApiServer;
beforeAll(async () => {
  server = await FakeApiServer.start();
});
afterAll(async () => {
  await server.close();
});

describe('SecretReader', () => {
  test('returns the data entries base64-decoded as UTF-8', async () => {
    server.handle((_req, res) =>
      res.json(200, { kind: 'Secret', metadata: { name: 's', namespace: 'ns' }, data: { user: Buffer.from('admin').toString('base64'), pw: Buffer.from('pässwörd').toString('base64') } }),
    );
    const { kc, transport } = makeStack(server);
    try {
      const data = await new SecretReader(transport).getSecretData('ns', 's', AbortSignal.timeout(4000));
      expect(data).toEqual({ user: 'admin', pw: 'pässwörd' });
      expect(server.requests.at(-1)?.path).toBe('/api/v1/namespaces/ns/secrets/s');
    } finally {
      await kc.close();
    }
  });

  test.each([
    { status: 404, reason: 'NotFound', code: 'SecretNotFound' },
    { status: 403, reason: 'Forbidden', code: 'SecretForbidden' },
    { status: 500, reason: 'InternalError', code: 'SecretReadFailed' },
  ])('$status is classified as $code and the error names only ns/name', async ({ status, reason, code }) => {
    server.handle((_req, res) => res.status(status, reason, 'secrets "s" is unavailable'));
    const { kc, transport } = makeStack(server);
    try {
      const err = await new SecretReader(transport).getSecretData('ns', 's', AbortSignal.timeout(4000)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SecretReadError);
      expect((err as SecretReadError).code).toBe(code);
      expect((err as SecretReadError).message).toContain('ns/s');
    } finally {
      await kc.close();
    }
  });
});

describe('SecretReadError', () => {
  test('forbidden: the remedy (grant get on secrets) is the message after the problem', () => {
    const err = new SecretReadError('SecretForbidden', 'ns', 's');
    expect(err.remedy).toBe(`grant "get" on secrets in namespace ns to the sidecar's service account`);
    expect(err.message).toBe(`reading secret ns/s is forbidden; ${err.remedy}`);
  });

  test('not found and other failures have no remedy; a cause is kept only when given', () => {
    const cause = new Error('boom');
    const failed = new SecretReadError('SecretReadFailed', 'ns', 's', cause);
    expect(failed.remedy).toBe('');
    expect(failed.cause).toBe(cause);
    const missing = new SecretReadError('SecretNotFound', 'ns', 's');
    expect(missing.remedy).toBe('');
    expect(Object.hasOwn(missing, 'cause')).toBe(false);
  });
});
