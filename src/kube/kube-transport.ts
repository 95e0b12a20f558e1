// The single path of every request the sidecar sends to the API server (gets, lists, watches,
// patches, events, secrets): request gate (QPS bucket) → per-request timeout → auth, pooled
// dispatcher and User-Agent from SidecarKubeConfig → undici (client-node's fetch library) → a
// KubeApiError built from the Status body. Bodies are int64-exact (kube-json.ts). A 429 is retried
// here after its Retry-After (the apiserver did not process the request, so any verb is safe).
// We use this instead of the generated CustomObjectsApi: it has no per-request timeout, defaults
// PATCH to JSON Patch, parses int64 lossily, and its per-call middleware can silently replace the
// global one (T5, T6, T7).

import { IsomorphicFetchHttpLibrary, RequestContext, type ResponseContext } from '@kubernetes/client-node';
import type { Clock } from '../base/clock.js';
import { nullLogger, type Logger } from '../observability/logger.js';
import { KubeApiError, KubeRequestError, parseRetryAfterMs, parseStatusBody } from './kube-api-error.js';
import { parseKubeJson, stringifyKubeJson } from './kube-json.js';
import type { SidecarKubeConfig } from './sidecar-kube-config.js';

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type QueryValue = string | number | boolean | undefined;

export interface KubeRequest {
  readonly method: HttpVerb;
  /** Absolute API path, e.g. `/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/x`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** Serialized with stringifyKubeJson (bigint → exact digits). */
  readonly body?: unknown;
  /** Default `application/json` when there is a body. */
  readonly contentType?: string;
  readonly signal: AbortSignal;
  /** Overrides the default timeout; for streams it bounds the wait for response headers. */
  readonly timeoutMs?: number;
}

export interface KubeStream {
  readonly body: ReadableStream<Uint8Array>;
  /** Aborts the underlying request (e.g. a stalled watch); reading then rejects with `reason`. */
  abort(reason: unknown): void;
  /** Releases the link to the caller's signal; call once the stream is finished. */
  dispose(): void;
}

export interface KubeTransportOptions {
  readonly kubeConfig: SidecarKubeConfig;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Timeout of one request (gets and writes). Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** How often a 429 is retried before it is returned. Default 3. */
  readonly maxTooManyRequestsRetries?: number;
  /** Upper bound for one Retry-After wait. Default 30 s. */
  readonly maxRetryAfterMs?: number;
}

interface Sent {
  readonly response: ResponseContext;
  readonly controller: AbortController;
  readonly finish: () => void;
}

export class KubeTransport {
  readonly #kc: SidecarKubeConfig;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #max429: number;
  readonly #maxRetryAfterMs: number;
  readonly #http = new IsomorphicFetchHttpLibrary();
  readonly #base: string;

  constructor(options: KubeTransportOptions) {
    this.#kc = options.kubeConfig;
    this.#clock = options.clock;
    this.#log = options.logger ?? nullLogger;
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#max429 = options.maxTooManyRequestsRetries ?? 3;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
    this.#base = options.kubeConfig.serverUrl();
  }

  /** Sends the request and returns the parsed JSON body (undefined for an empty body). */
  async requestJson(req: KubeRequest): Promise<unknown> {
    const sent = await this.#sendWithRetries(req);
    try {
      const text = await sent.response.body.text();
      return text === '' ? undefined : parseKubeJson(text);
    } catch (err) {
      throw this.#failure(req, sent.controller, err);
    } finally {
      sent.finish();
    }
  }

  /** Opens a streaming GET (watch). The timeout covers only the wait for the headers. */
  async openStream(req: KubeRequest): Promise<KubeStream> {
    const sent = await this.#sendWithRetries(req, true);
    const body = sent.response.body.stream();
    if (body === null) {
      sent.finish();
      throw new KubeRequestError({ code: 'ConnectionFailed', method: req.method, path: req.path });
    }
    return {
      body,
      abort: (reason) => sent.controller.abort(reason),
      dispose: sent.finish,
    };
  }

  async #sendWithRetries(req: KubeRequest, stream = false): Promise<Sent> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#sendOnce(req, stream);
      } catch (err) {
        if (!(err instanceof KubeApiError) || err.code !== 429 || attempt >= this.#max429) throw err;
        const waitMs = Math.min(err.retryAfterMs ?? 1000, this.#maxRetryAfterMs);
        this.#log.v(2).info('API server asked to retry later (429)', { path: req.path, waitMs });
        await this.#clock.sleep(waitMs, req.signal);
      }
    }
  }

  async #sendOnce(req: KubeRequest, stream: boolean): Promise<Sent> {
    const gateStart = this.#clock.monotonic();
    await this.#kc.gate.acquire(req.signal);
    const waited = this.#clock.monotonic() - gateStart;
    if (waited >= 1000) this.#log.v(2).info('client-side throttling delayed a request', { path: req.path, waitedMs: Math.round(waited) });

    const controller = new AbortController();
    const onCallerAbort = (): void => controller.abort(req.signal.reason);
    req.signal.addEventListener('abort', onCallerAbort, { once: true });
    const timer = this.#clock.setTimer(
      () => controller.abort(new KubeRequestError({ code: 'Timeout', method: req.method, path: req.path })),
      req.timeoutMs ?? this.#timeoutMs,
    );
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      timer.cancel();
      req.signal.removeEventListener('abort', onCallerAbort);
    };
    try {
      req.signal.throwIfAborted();
      const ctx = new RequestContext(this.#url(req), req.method);
      ctx.setSignal(controller.signal);
      ctx.setHeaderParam('Accept', 'application/json');
      if (req.body !== undefined) {
        ctx.setHeaderParam('Content-Type', req.contentType ?? 'application/json');
        ctx.setBody(stringifyKubeJson(req.body));
      }
      await this.#kc.applySecurityAuthentication(ctx);
      const response = await this.#http.send(ctx).toPromise();
      if (response.httpStatusCode >= 200 && response.httpStatusCode < 300) {
        if (stream) timer.cancel(); // from here on the watch's own stall detection rules
        return { response, controller, finish };
      }
      const text = await response.body.text().catch(() => '');
      const headerMs = parseRetryAfterMs(response.headers['retry-after'], this.#clock.now());
      throw new KubeApiError({
        method: req.method,
        path: req.path,
        code: response.httpStatusCode,
        status: parseStatusBody(text),
        retryAfterMs: headerMs,
      });
    } catch (err) {
      finish();
      throw err instanceof KubeApiError ? err : this.#failure(req, controller, err);
    }
  }

  /** Maps a failure without an HTTP status: caller cancellation passes through unchanged. */
  #failure(req: KubeRequest, controller: AbortController, err: unknown): unknown {
    if (req.signal.aborted) return req.signal.reason;
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined;
    if (reason instanceof KubeRequestError) return reason;
    if (reason !== undefined) return reason; // a stream aborted by its reader (stall)
    if (err instanceof KubeApiError || err instanceof KubeRequestError) return err;
    return new KubeRequestError({ code: 'ConnectionFailed', method: req.method, path: req.path, cause: err });
  }

  #url(req: KubeRequest): string {
    const url = new URL(this.#base + req.path);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }
}
