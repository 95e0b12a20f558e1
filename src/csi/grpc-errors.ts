// gRPC failures of CSI calls in the form upstream exposes them: Go's code names
// (`InvalidArgument`, not `INVALID_ARGUMENT`) and Go's error text
// `rpc error: code = <Name> desc = <details>`, which upstream writes into status.error.message
// and Events. Also the create-path classifier isCSIFinalError (upstream-sidecar.md §3.11).

import type { ServiceError } from '@grpc/grpc-js';
import { CodedError } from '../base/coded-error.js';

/** Go's codes.Code.String() for each numeric gRPC status code (the numbers equal Go's). */
const GO_CODE_NAMES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
] as const;

export type GrpcCodeName = (typeof GO_CODE_NAMES)[number];

/** The metric label for a failure that carries no gRPC status (csi-lib-utils' value). */
export const NON_GRPC_CODE = 'unknown-non-grpc';

export function grpcCodeName(code: number): GrpcCodeName | undefined {
  return Number.isInteger(code) ? GO_CODE_NAMES[code] : undefined;
}

/** Go's client-side text for an expired context; upstream shows it instead of the server's. */
const GO_DEADLINE_TEXT = 'context deadline exceeded';

/** A CSI call that ended with a non-OK gRPC status. `code` is the stable Go-style name. */
export class CsiRpcError extends CodedError<GrpcCodeName> {
  override readonly name = 'CsiRpcError';
  /** Numeric gRPC status code. */
  readonly grpcCode: number;
  /** The status details (the `desc` part of the message). */
  readonly details: string;

  constructor(params: { grpcCode: number; details: string; cause?: unknown }) {
    const code = grpcCodeName(params.grpcCode) ?? 'Unknown';
    super(code, `rpc error: code = ${code} desc = ${params.details}`, { cause: params.cause });
    this.grpcCode = params.grpcCode;
    this.details = params.details;
  }
}

export function isServiceError(err: unknown): err is ServiceError {
  return (
    err instanceof Error &&
    typeof (err as Partial<ServiceError>).code === 'number' &&
    typeof (err as Partial<ServiceError>).details === 'string'
  );
}

/**
 * Converts a grpc-js failure into a CsiRpcError. `deadlineExpired` says our own deadline had
 * passed when the call failed: a DEADLINE_EXCEEDED then reads as Go's client-side text instead of
 * grpc-js' "Deadline exceeded after 0.301s,LB pick: …".
 */
export function toCsiRpcError(err: ServiceError, deadlineExpired: boolean): CsiRpcError {
  const DEADLINE_EXCEEDED = 4;
  const details = err.code === DEADLINE_EXCEEDED && deadlineExpired ? GO_DEADLINE_TEXT : err.details;
  return new CsiRpcError({ grpcCode: err.code, details, cause: err });
}

/** Codes after which the driver may still be working on the snapshot (upstream isCSIFinalError). */
const NON_FINAL_CODES: ReadonlySet<GrpcCodeName> = new Set<GrpcCodeName>([
  'Canceled',
  'DeadlineExceeded',
  'Unavailable',
  'ResourceExhausted',
  'Aborted',
]);

/**
 * Whether a failed CreateSnapshot / CreateVolumeGroupSnapshot
 * is final, i.e. the driver is known not to be creating anything, so the being-created
 * annotation may go. Anything that is not a gRPC status (a bug, a bad driver response, an
 * unexpected exception) is non-final: we cannot know what the driver did.
 */
export function isFinalCreateError(err: unknown): boolean {
  if (!(err instanceof CsiRpcError)) return false;
  return !NON_FINAL_CODES.has(err.code);
}
