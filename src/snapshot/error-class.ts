// How a failed create RPC is judged. Upstream (isCSIFinalError) splits codes into final and
// non-final and removes the being-created annotation on final ones; an error that is not a gRPC
// status is non-final there too. We add a third class, `ambiguous`, for codes upstream calls final
// although they say nothing about whether the backend object exists (Internal, Unknown, DataLoss):
// removing the annotation there lets a deletion skip DeleteSnapshot while the backend may still
// finish the snapshot (upstream #866). Non-gRPC errors are in that class too (upstream: non-final).
// Neither class blocks a requested deletion for ever: see GiveUp in ./action.ts.

/** Go's codes.Code.String() names, as they appear in messages and metrics. */
export type GrpcCodeName =
  | 'OK'
  | 'Canceled'
  | 'Unknown'
  | 'InvalidArgument'
  | 'DeadlineExceeded'
  | 'NotFound'
  | 'AlreadyExists'
  | 'PermissionDenied'
  | 'ResourceExhausted'
  | 'FailedPrecondition'
  | 'Aborted'
  | 'OutOfRange'
  | 'Unimplemented'
  | 'Internal'
  | 'Unavailable'
  | 'DataLoss'
  | 'Unauthenticated';

/**
 * final: the backend definitely did not create the object for this request; the being-created
 * annotation may go. transient/ambiguous: it may exist; keep the annotation and retry the same name.
 */
export type CreateErrorClass = 'final' | 'transient' | 'ambiguous';

export function classifyCreateError(code: GrpcCodeName | undefined): CreateErrorClass {
  switch (code) {
    case undefined:
    case 'Internal':
    case 'Unknown':
    case 'DataLoss':
      return 'ambiguous';
    case 'Canceled':
    case 'DeadlineExceeded':
    case 'Unavailable':
    case 'ResourceExhausted':
    case 'Aborted':
      return 'transient';
    case 'OK':
    case 'InvalidArgument':
    case 'NotFound':
    case 'AlreadyExists':
    case 'PermissionDenied':
    case 'FailedPrecondition':
    case 'OutOfRange':
    case 'Unimplemented':
    case 'Unauthenticated':
      return 'final';
  }
}

/** A short remedy for a driver error, appended to status.error so the user knows what to change. */
export function remedyForCode(code: GrpcCodeName | undefined, timeoutText: string): string | undefined {
  switch (code) {
    case 'DeadlineExceeded':
      return `the driver did not answer within --timeout=${timeoutText} of csi-snapshotter; the request is retried with the same name; raise --timeout on the csi-snapshotter sidecar if the backend needs longer`;
    case 'AlreadyExists':
      return 'a backend snapshot with this name exists for another source or parameters; check --snapshot-name-prefix / --snapshot-name-uuid-length and backends shared between clusters';
    case 'InvalidArgument':
      return 'the driver rejected the request; check the class parameters';
    case 'PermissionDenied':
    case 'Unauthenticated':
      return 'the driver rejected the credentials; check the Secret named by the deletion-secret annotations (set from the class parameters csi.storage.k8s.io/snapshotter-secret-name/-namespace)';
    case 'Unimplemented':
      return 'the CSI driver does not implement this call';
    case 'ResourceExhausted':
      return 'the backend is out of space or quota; the request is retried';
    case 'Unavailable':
      return 'the CSI driver is unavailable; the request is retried';
    default:
      return undefined;
  }
}
