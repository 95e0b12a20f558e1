// The one error type the bench throws: a stable code to branch on, the cause kept.

export type BenchErrorCode = 'bad-arguments' | 'timeout' | 'sidecar-exited' | 'kube-failed' | 'csi-failed' | 'proc-unreadable';

export class BenchError extends Error {
  readonly code: BenchErrorCode;

  constructor(code: BenchErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.name = 'BenchError';
    this.code = code;
  }
}
