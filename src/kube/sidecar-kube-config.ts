// The KubeConfig every API request of the sidecar is built from. It fixes what client-node leaves
// out: one pooled undici dispatcher instead of a new TLS connection per request (T2), our
// User-Agent (`csi-snapshotter/<version>`, so apiserver audit logs can count our requests), and,
// for generated API clients made with makeApiClient, the request gate (QPS bucket) and a
// per-request timeout. Our own transport (kube-transport.ts) applies gate and timeout itself.

import {
  KubeConfig,
  ServerConfiguration,
  createConfiguration,
  type ApiConstructor,
  type ApiType,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import type { RequestGate } from './request-gate.js';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

export interface SidecarKubeConfigOptions {
  readonly userAgent: string;
  readonly gate: RequestGate;
  /** Timeout for requests of generated clients (makeApiClient). Default 30 s. */
  readonly requestTimeoutMs?: number;
}

export function userAgentFor(version: string): string {
  return `csi-snapshotter/${version}`;
}

export class SidecarKubeConfig extends KubeConfig {
  readonly userAgent: string;
  readonly gate: RequestGate;
  readonly requestTimeoutMs: number;
  #dispatcher: Dispatcher | undefined;
  #closed = false;

  constructor(options: SidecarKubeConfigOptions) {
    super();
    this.userAgent = options.userAgent;
    this.gate = options.gate;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /** The API server URL of the current context (no trailing slash). */
  serverUrl(): string {
    const cluster = this.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    return cluster.server.replace(/\/+$/, '');
  }

  override async applySecurityAuthentication(ctx: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(ctx);
    ctx.setHeaderParam('User-Agent', this.userAgent);
    const fresh = ctx.getDispatcher();
    if (fresh === undefined) return; // plain http with skipTLSVerify: undici's global dispatcher
    // The TLS material is read once, with the first request: rotated client certificates need a
    // restart (in-cluster auth is a bearer token, re-read every 60 s by client-node's FileAuth).
    if (this.#closed) return; // after close(): unpooled, so late requests still work
    if (this.#dispatcher === undefined) {
      this.#dispatcher = fresh;
      return;
    }
    ctx.setDispatcher(this.#dispatcher);
    void fresh.close().catch(() => undefined); // never used: closes at once
  }

  override makeApiClient<T extends ApiType>(apiClientType: ApiConstructor<T>): T {
    const gate = this.gate;
    const timeoutMs = this.requestTimeoutMs;
    const userAgent = this.userAgent;
    const configuration = createConfiguration({
      baseServer: new ServerConfiguration(this.serverUrl(), {}),
      authMethods: { default: this },
      // client-node's default User-Agent middleware would run after authentication and override ours.
      promiseMiddleware: [
        {
          async pre(ctx: RequestContext): Promise<RequestContext> {
            const signal = ctx.getSignal() ?? AbortSignal.timeout(timeoutMs);
            ctx.setSignal(signal);
            await gate.acquire(signal);
            ctx.setHeaderParam('User-Agent', userAgent);
            return ctx;
          },
          post: async (rsp: ResponseContext): Promise<ResponseContext> => rsp,
        },
      ],
    });
    return new apiClientType(configuration);
  }

  /** Closes the pooled connections (shutdown and tests). Later requests open unpooled ones. */
  async close(): Promise<void> {
    this.#closed = true;
    const d = this.#dispatcher;
    this.#dispatcher = undefined;
    if (d !== undefined) await d.close();
  }
}
