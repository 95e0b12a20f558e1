// Reads a core/v1 Secret's data for CSI calls (snapshotter/deletion secrets). Values are decoded
// from base64 to UTF-8 strings (CSI secrets are map<string,string>). Errors name only
// `namespace/name` and the failure class — never keys' values, and never the response body.

import { CodedError } from '../base/coded-error.js';
import { isForbidden, isNotFound } from './kube-api-error.js';
import type { KubeTransport } from './kube-transport.js';

export type SecretReadErrorCode = 'SecretNotFound' | 'SecretForbidden' | 'SecretReadFailed';

export class SecretReadError extends CodedError<SecretReadErrorCode> {
  override readonly name = 'SecretReadError';
  readonly namespace: string;
  readonly secretName: string;

  constructor(code: SecretReadErrorCode, namespace: string, secretName: string, cause?: unknown) {
    const ref = `${namespace}/${secretName}`;
    const remedy =
      code === 'SecretForbidden' ? `grant "get" on secrets in namespace ${namespace} to the sidecar's service account` : '';
    const what =
      code === 'SecretNotFound'
        ? `secret ${ref} not found`
        : code === 'SecretForbidden'
          ? `reading secret ${ref} is forbidden; ${remedy}`
          : `failed to read secret ${ref}`;
    super(code, what, cause === undefined ? { remedy } : { remedy, cause });
    this.namespace = namespace;
    this.secretName = secretName;
  }
}

export class SecretReader {
  readonly #transport: KubeTransport;

  constructor(transport: KubeTransport) {
    this.#transport = transport;
  }

  async getSecretData(namespace: string, name: string, signal: AbortSignal): Promise<Record<string, string>> {
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`;
    let body: unknown;
    try {
      body = await this.#transport.requestJson({ method: 'GET', path, signal });
    } catch (err) {
      if (signal.aborted) throw err;
      if (isNotFound(err)) throw new SecretReadError('SecretNotFound', namespace, name);
      if (isForbidden(err)) throw new SecretReadError('SecretForbidden', namespace, name);
      // The cause is a KubeApiError/KubeRequestError (status text only, never the body).
      throw new SecretReadError('SecretReadFailed', namespace, name, err);
    }
    const data = typeof body === 'object' && body !== null ? (body as { data?: unknown }).data : undefined;
    const result: Record<string, string> = {};
    if (typeof data !== 'object' || data === null) return result;
    for (const [key, value] of Object.entries(data)) {
      if (typeof value === 'string') result[key] = Buffer.from(value, 'base64').toString('utf8');
    }
    return result;
  }
}
