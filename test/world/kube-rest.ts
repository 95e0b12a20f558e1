// A minimal JSON REST client for the world's kube-apiserver, built from a kubeconfig. The tests use
// it instead of a generated client so every call is explicit, AbortSignal-aware and carries a
// user agent of our choosing (the audit log counts requests per user agent).
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { WorldError } from './world-error.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export class KubeRequestError extends WorldError {
  readonly status: number;
  readonly reason: string;

  constructor(opts: {
    readonly method: HttpMethod;
    readonly path: string;
    readonly status: number;
    readonly reason: string;
    readonly message: string;
  }) {
    super('kube-request-failed', `${opts.method} ${opts.path}: HTTP ${opts.status} ${opts.reason}: ${opts.message}`);
    this.name = 'KubeRequestError';
    this.status = opts.status;
    this.reason = opts.reason;
  }
}

export interface KubeRequest {
  readonly method: HttpMethod;
  readonly path: string;
  readonly body?: unknown;
  /** Defaults to application/json; PATCH defaults to a JSON merge patch. */
  readonly contentType?: string;
  readonly signal: AbortSignal;
}

interface Status {
  readonly reason?: string;
  readonly message?: string;
}

export class KubeRest {
  readonly server: string;
  private readonly tls: https.RequestOptions;
  private readonly userAgent: string;

  private constructor(server: string, tls: https.RequestOptions, userAgent: string) {
    this.server = server;
    this.tls = tls;
    this.userAgent = userAgent;
  }

  static async fromKubeconfig(opts: { readonly kubeconfig: string; readonly userAgent: string }): Promise<KubeRest> {
    const kc = new KubeConfig();
    kc.loadFromFile(opts.kubeconfig);
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new WorldError('kube-request-failed', `${opts.kubeconfig} has no current cluster`);
    const tls: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(tls);
    return new KubeRest(cluster.server, tls, opts.userAgent);
  }

  /** Sends one request; resolves with the parsed JSON body, rejects with KubeRequestError on non-2xx. */
  request(req: KubeRequest): Promise<unknown> {
    const url = new URL(req.path, this.server);
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    const contentType = req.contentType ?? (req.method === 'PATCH' ? 'application/merge-patch+json' : 'application/json');
    return new Promise<unknown>((resolve, reject) => {
      const r = https.request(
        url,
        {
          ...this.tls,
          method: req.method,
          signal: req.signal,
          headers: {
            accept: 'application/json',
            'user-agent': this.userAgent,
            ...(payload === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            let body: unknown = text;
            try {
              body = text === '' ? undefined : JSON.parse(text);
            } catch {
              // Plain-text bodies (e.g. /readyz) stay strings.
            }
            if (status >= 200 && status < 300) {
              resolve(body);
              return;
            }
            const st: Status = typeof body === 'object' && body !== null ? (body as Status) : { message: text };
            reject(new KubeRequestError({ method: req.method, path: req.path, status, reason: st.reason ?? '', message: st.message ?? '' }));
          });
        },
      );
      r.on('error', reject);
      r.end(payload);
    });
  }

  get(path: string, signal: AbortSignal): Promise<unknown> {
    return this.request({ method: 'GET', path, signal });
  }

  create(path: string, body: unknown, signal: AbortSignal): Promise<unknown> {
    return this.request({ method: 'POST', path, body, signal });
  }

  /** JSON merge patch (RFC 7386); use a `/status` path for the status subresource. */
  mergePatch(path: string, body: unknown, signal: AbortSignal): Promise<unknown> {
    return this.request({ method: 'PATCH', path, body, signal });
  }

  delete(path: string, signal: AbortSignal): Promise<unknown> {
    return this.request({ method: 'DELETE', path, signal });
  }
}

/** True once `p` answers 404. */
export async function isGone(kube: KubeRest, p: string, signal: AbortSignal): Promise<boolean> {
  try {
    await kube.get(p, signal);
    return false;
  } catch (err) {
    if (err instanceof KubeRequestError && err.status === 404) return true;
    throw err;
  }
}
