// Errors of the Kubernetes API layer. A response with an HTTP status becomes a KubeApiError built
// from the metav1.Status body (T6: client-node's ApiException.message embeds the raw body and the
// response headers, so it is never used). A request that got no response at all (timeout, refused
// connection, TLS failure) becomes a KubeRequestError. Cancellation by the caller's own signal is
// not an error of either kind: the signal's reason is rethrown as is.

import { CodedError } from '../base/coded-error.js';
import { http } from '../base/node-http.js';

/** The subset of metav1.Status we read. */
export interface KubeStatus {
  readonly kind?: string;
  readonly status?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
  readonly details?: { readonly retryAfterSeconds?: number };
}

export interface KubeApiErrorInit {
  readonly method: string;
  /** Request path without the query string (no selector values, no tokens). */
  readonly path: string;
  /** The HTTP status code (becomes `httpStatus`; the error's `code` is its `http-NNN` form). */
  readonly code: number;
  readonly status?: KubeStatus | undefined;
  readonly retryAfterMs?: number | undefined;
}

const MAX_MESSAGE_CHARS = 1024;

/** `http-409`, `http-404`, …: the HTTP status as a CodedError code. */
export type KubeApiErrorCode = `http-${number}`;

export class KubeApiError extends CodedError<KubeApiErrorCode> {
  override readonly name = 'KubeApiError';
  /** The HTTP status code (or Status.code of a watch ERROR event). The isX helpers below read it. */
  readonly httpStatus: number;
  /** metav1.Status reason (`Conflict`, `NotFound`, `Expired`, …); '' when the body had none. */
  readonly reason: string;
  /** Status.message from the apiserver (never headers, never the raw body). */
  readonly statusMessage: string;
  readonly method: string;
  readonly path: string;
  /** From the Retry-After header or Status.details.retryAfterSeconds (429, some 5xx). */
  readonly retryAfterMs: number | undefined;

  constructor(init: KubeApiErrorInit) {
    const reason = init.status?.reason ?? '';
    const statusMessage = (init.status?.message ?? http.STATUS_CODES[init.code] ?? '').slice(0, MAX_MESSAGE_CHARS);
    super(`http-${init.code}`, `${init.method} ${init.path}: ${init.code}${reason ? ` ${reason}` : ''}: ${statusMessage}`);
    this.httpStatus = init.code;
    this.reason = reason;
    this.statusMessage = statusMessage;
    this.method = init.method;
    this.path = init.path;
    const fromDetails = init.status?.details?.retryAfterSeconds;
    this.retryAfterMs = init.retryAfterMs ?? (typeof fromDetails === 'number' && fromDetails > 0 ? fromDetails * 1000 : undefined);
  }
}

/** Parses the body of a non-2xx response: a metav1.Status when it is one, else undefined. */
export function parseStatusBody(text: string | undefined): KubeStatus | undefined {
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && (parsed as KubeStatus).kind === 'Status') {
      return parsed as KubeStatus;
    }
  } catch {
    // Not JSON (a proxy's HTML page): the HTTP status alone describes the failure.
  }
  return undefined;
}

/** Retry-After as delta-seconds (the apiserver's form) or an HTTP date; undefined when absent/invalid. */
export function parseRetryAfterMs(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export type KubeRequestErrorCode = 'Timeout' | 'ConnectionFailed' | 'InvalidResponse';

/** No usable HTTP response: per-request timeout, transport failure, or a body of the wrong shape. */
export class KubeRequestError extends CodedError<KubeRequestErrorCode> {
  override readonly name = 'KubeRequestError';
  readonly method: string;
  readonly path: string;

  constructor(init: { code: KubeRequestErrorCode; method: string; path: string; cause?: unknown }) {
    const what =
      init.code === 'Timeout'
        ? 'request timed out'
        : init.code === 'InvalidResponse'
          ? 'the API server returned an unexpected body'
          : 'connection to the API server failed';
    super(init.code, `${init.method} ${init.path}: ${what}`, { cause: init.cause });
    this.method = init.method;
    this.path = init.path;
  }
}

function hasStatus(err: unknown, httpStatus: number): boolean {
  return err instanceof KubeApiError && err.httpStatus === httpStatus;
}

/** 409: resourceVersion conflict on PUT, or AlreadyExists on create. */
export const isConflict = (err: unknown): boolean => hasStatus(err, 409);
export const isNotFound = (err: unknown): boolean => hasStatus(err, 404);
export const isForbidden = (err: unknown): boolean => hasStatus(err, 403);
/** 410: an expired resourceVersion or continue token (reason `Expired` or `Gone`). */
export const isGone = (err: unknown): boolean => hasStatus(err, 410);
/** 422: validation failed, including a failed JSON-patch `test` op (apiserver patch.go). */
export const isInvalid = (err: unknown): boolean => hasStatus(err, 422);
