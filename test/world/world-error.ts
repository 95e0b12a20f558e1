// The one error type the test world throws. Callers branch on `code`, never on the message.

export type WorldErrorCode =
  | 'manifest-missing'
  | 'world-missing'
  | 'build-failed'
  | 'start-failed'
  | 'start-timeout'
  | 'kube-request-failed'
  | 'csi-call-failed';

export class WorldError extends Error {
  readonly code: WorldErrorCode;

  constructor(code: WorldErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.name = 'WorldError';
    this.code = code;
  }
}
