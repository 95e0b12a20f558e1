// The error a bad kubeconfig or in-cluster setup raises, and the builder type for the
// KubeconfigInvalid variant. On its own so that kube-config.ts and credential-plugins.ts (which
// kube-config.ts imports) can both use it without importing each other.

import { CodedError } from '../base/coded-error.js';

export type KubeConfigErrorCode =
  | 'KubeconfigUnreadable'
  | 'KubeconfigInvalid'
  | 'InClusterEnvMissing'
  | 'InClusterFileMissing';

export class KubeConfigError extends CodedError<KubeConfigErrorCode> {
  override readonly name = 'KubeConfigError';

  constructor(code: KubeConfigErrorCode, problem: string, remedy: string) {
    super(code, `${problem}; ${remedy}`, { remedy });
  }
}

/** Builds the KubeconfigInvalid error for the file being loaded. */
export type Invalid = (problem: string, remedy?: string) => KubeConfigError;
