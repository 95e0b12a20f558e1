import * as grpc from '@grpc/grpc-js';
import { describe, expect, test } from '@jest/globals';
import { CsiRpcError, grpcCodeName, isFinalCreateError, toCsiRpcError } from '../../../src/csi/grpc-errors.js';

function serviceError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(`${code} ${grpc.status[code]}: ${details}`), { code, details, metadata: new grpc.Metadata() });
}

describe('CsiRpcError', () => {
  test('message is Go form: rpc error: code = <Name> desc = <details>', () => {
    const err = new CsiRpcError({ grpcCode: grpc.status.INVALID_ARGUMENT, details: 'bad name' });
    expect(err.message).toBe('rpc error: code = InvalidArgument desc = bad name');
    expect(err.code).toBe('InvalidArgument');
    expect(err.grpcCode).toBe(3);
    expect(err.details).toBe('bad name');
  });

  test('a client-side deadline reads as Go context deadline exceeded', () => {
    const err = toCsiRpcError(serviceError(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded after 0.301s,LB pick: 0.001s'), true);
    expect(err.message).toBe('rpc error: code = DeadlineExceeded desc = context deadline exceeded');
  });

  test('a DEADLINE_EXCEEDED returned by the driver before our deadline keeps its text', () => {
    const err = toCsiRpcError(serviceError(grpc.status.DEADLINE_EXCEEDED, 'backend timed out'), false);
    expect(err.message).toBe('rpc error: code = DeadlineExceeded desc = backend timed out');
  });

  test.each([
    [grpc.status.OK, 'OK'],
    [grpc.status.CANCELLED, 'Canceled'],
    [grpc.status.UNKNOWN, 'Unknown'],
    [grpc.status.NOT_FOUND, 'NotFound'],
    [grpc.status.ALREADY_EXISTS, 'AlreadyExists'],
    [grpc.status.PERMISSION_DENIED, 'PermissionDenied'],
    [grpc.status.RESOURCE_EXHAUSTED, 'ResourceExhausted'],
    [grpc.status.FAILED_PRECONDITION, 'FailedPrecondition'],
    [grpc.status.ABORTED, 'Aborted'],
    [grpc.status.OUT_OF_RANGE, 'OutOfRange'],
    [grpc.status.UNIMPLEMENTED, 'Unimplemented'],
    [grpc.status.INTERNAL, 'Internal'],
    [grpc.status.UNAVAILABLE, 'Unavailable'],
    [grpc.status.DATA_LOSS, 'DataLoss'],
    [grpc.status.UNAUTHENTICATED, 'Unauthenticated'],
  ])('code %i is named %s as in Go', (code, name) => {
    expect(grpcCodeName(code)).toBe(name);
  });

  test('codes outside the table have no name', () => {
    expect(grpcCodeName(17)).toBeUndefined();
    expect(grpcCodeName(-1)).toBeUndefined();
  });
});

describe('isFinalCreateError (upstream isCSIFinalError)', () => {
  const rpc = (code: grpc.status): CsiRpcError => new CsiRpcError({ grpcCode: code, details: 'x' });

  test.each([
    grpc.status.CANCELLED,
    grpc.status.DEADLINE_EXCEEDED,
    grpc.status.UNAVAILABLE,
    grpc.status.RESOURCE_EXHAUSTED,
    grpc.status.ABORTED,
  ])('gRPC code %i is non-final: the driver may still be creating', (code) => {
    expect(isFinalCreateError(rpc(code))).toBe(false);
  });

  test.each([
    grpc.status.INVALID_ARGUMENT,
    grpc.status.NOT_FOUND,
    grpc.status.ALREADY_EXISTS,
    grpc.status.FAILED_PRECONDITION,
    grpc.status.INTERNAL,
    grpc.status.UNIMPLEMENTED,
    grpc.status.UNKNOWN,
    grpc.status.PERMISSION_DENIED,
    grpc.status.OUT_OF_RANGE,
    grpc.status.DATA_LOSS,
    grpc.status.UNAUTHENTICATED,
  ])('gRPC code %i is final', (code) => {
    expect(isFinalCreateError(rpc(code))).toBe(true);
  });

  test('a non-gRPC error is non-final', () => {
    expect(isFinalCreateError(new Error('volume handle not found'))).toBe(false);
    expect(isFinalCreateError('boom')).toBe(false);
  });
});
