// The single path of every request the sidecar sends to the API server (gets, lists, watches,
// patches, events, secrets): request gate (QPS bucket) → per-request timeout → agent (one
// keep-alive pool), Authorization and User-Agent from SidecarKubeConfig → node:http(s) → a
// KubeApiError built from the Status body. Bodies are int64-exact (kube-json.ts). A 429 is retried
// here after its Retry-After (the apiserver did not process the request, so any verb is safe).
// We use node:http directly rather than client-node's fetch stack (undici and the generated
// clients): the generated clients have no per-request timeout, default PATCH to JSON Patch, parse
// int64 lossily and can silently drop the global middleware (T5, T6, T7), and the fetch stack was
// a quarter of our busy CPU in the benchmark (bench/REPORT.md).
// No Accept-Encoding is sent: the apiserver is one hop away, and gzip would cost CPU on both ends.

import type { IncomingMessage } from 'node:http';
import { http, https } from '../base/node-http.js';
import type { Readable } from 'node:stream';
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
  /** The response body (bytes); destroyed with `reason` by abort(). */
  readonly body: Readable;
  /** Aborts the underlying request (e.g. a stalled watch); reading then rejects with `reason`. */
  abort(reason: unknown): void;
  /** Releases the link to the caller's signal and, if the body is not complete, the connection. */
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
  readonly response: IncomingMessage;
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
  readonly #base: string;
  readonly #request: typeof http.request;

  constructor(options: KubeTransportOptions) {
    this.#kc = options.kubeConfig;
    this.#clock = options.clock;
    this.#log = options.logger ?? nullLogger;
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#max429 = options.maxTooManyRequestsRetries ?? 3;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
    this.#base = options.kubeConfig.serverUrl();
    this.#request = this.#base.startsWith('https:') ? https.request : http.request;
  }

  /** Sends the request and returns the parsed JSON body (undefined for an empty body). */
  async requestJson(req: KubeRequest): Promise<unknown> {
    const sent = await this.#sendWithRetries(req);
    try {
      const text = await readText(sent.response);
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
    const body = sent.response;
    return {
      body,
      abort: (reason) => sent.controller.abort(reason),
      dispose: () => {
        sent.finish();
        if (!body.complete) body.destroy();
      },
    };
  }

  async #sendWithRetries(req: KubeRequest, stream = false): Promise<Sent> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#sendOnce(req, stream);
      } catch (err) {
        if (!(err instanceof KubeApiError) || err.httpStatus !== 429 || attempt >= this.#max429) throw err;
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
      const { agent, headers } = await this.#kc.connection();
      const payload = req.body === undefined ? undefined : stringifyKubeJson(req.body);
      const sendHeaders: Record<string, string | number> = { ...headers, Accept: 'application/json' };
      if (payload !== undefined) {
        sendHeaders['Content-Type'] = req.contentType ?? 'application/json';
        sendHeaders['Content-Length'] = Buffer.byteLength(payload);
      }
      controller.signal.throwIfAborted();
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        let incoming: IncomingMessage | undefined;
        const outgoing = this.#request(this.#url(req), { method: req.method, agent, headers: sendHeaders }, (res) => {
          incoming = res;
          resolve(res);
        });
        outgoing.on('error', reject);
        controller.signal.addEventListener(
          'abort',
          () => {
            const reason: unknown = controller.signal.reason;
            const err = reason instanceof Error ? reason : new Error(String(reason));
            outgoing.destroy(err);
            incoming?.destroy(err);
          },
          { once: true },
        );
        outgoing.end(payload);
      });
      const code = response.statusCode ?? 0;
      if (code >= 200 && code < 300) {
        if (stream) timer.cancel(); // from here on the watch's own stall detection rules
        return { response, controller, finish };
      }
      const text = await readText(response).catch(() => '');
      if (code === 401) this.#kc.invalidateCredentials();
      const retryAfter = response.headers['retry-after'];
      throw new KubeApiError({
        method: req.method,
        path: req.path,
        code,
        status: parseStatusBody(text),
        retryAfterMs: parseRetryAfterMs(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, this.#clock.now()),
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

async function readText(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
}
