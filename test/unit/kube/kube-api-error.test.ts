import { describe, expect, test } from '@jest/globals';
import {
  KubeApiError,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  parseRetryAfterMs,
  parseStatusBody,
} from '../../../src/kube/kube-api-error.js';

const conflictBody = JSON.stringify({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  message: 'Operation cannot be fulfilled on volumesnapshotcontents "a": the object has been modified',
  reason: 'Conflict',
  details: { name: 'a', kind: 'volumesnapshotcontents' },
  code: 409,
});

describe('KubeApiError', () => {
  test('httpStatus, its http-NNN code, reason and message come from the Status body', () => {
    const err = new KubeApiError({ method: 'PUT', path: '/apis/x/v1/y/a/status', code: 409, status: parseStatusBody(conflictBody) });
    expect(err.httpStatus).toBe(409);
    expect(err.code).toBe('http-409');
    expect(err.reason).toBe('Conflict');
    expect(err.message).toBe(
      'PUT /apis/x/v1/y/a/status: 409 Conflict: Operation cannot be fulfilled on volumesnapshotcontents "a": the object has been modified',
    );
  });

  test('a body that is not a Status yields only the HTTP status text (no raw body)', () => {
    const status = parseStatusBody('<html>secret-looking proxy page</html>');
    const err = new KubeApiError({ method: 'GET', path: '/p', code: 502, status });
    expect(err.reason).toBe('');
    expect(err.message).toBe('GET /p: 502: Bad Gateway');
  });

  test.each([
    { code: 409, yes: isConflict },
    { code: 404, yes: isNotFound },
    { code: 403, yes: isForbidden },
    { code: 410, yes: isGone },
    { code: 422, yes: isInvalid },
  ])('classifier for $code matches only that status', ({ code, yes }) => {
    expect(yes(new KubeApiError({ method: 'GET', path: '/p', code }))).toBe(true);
    expect(yes(new KubeApiError({ method: 'GET', path: '/p', code: 500 }))).toBe(false);
    expect(yes(new Error('409'))).toBe(false);
  });

  test('retryAfter comes from the header, else from Status.details.retryAfterSeconds', () => {
    expect(parseRetryAfterMs('3', 0)).toBe(3000);
    expect(parseRetryAfterMs(undefined, 0)).toBeUndefined();
    expect(parseRetryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    const err = new KubeApiError({ method: 'GET', path: '/p', code: 429, status: { kind: 'Status', details: { retryAfterSeconds: 2 } } });
    expect(err.retryAfterMs).toBe(2000);
  });
});
