// How the sidecar reaches the API server, resolved once from the kubeconfig (kube-config.ts): the
// server URL, the TLS material, an optional proxy, the credentials, and one keep-alive connection
// pool (node:http/node:https Agent) shared by every request and watch. Besides the pool, it owns
// what each request must carry: our User-Agent (`csi-snapshotter/<version>`, so apiserver audit
// logs can count our requests), the Authorization header, and the request gate (QPS bucket).
//
// We do not use client-node's KubeConfig at run time: importing it loads the whole generated API
// (~80 MiB RSS, ~0.9 s CPU at start), and its request path re-reads the CA, certificate and key
// files and builds a new TLS agent for every request (trap T2). Only the credential plugins that
// need a process or a protocol (exec, OIDC) come from client-node, each loaded when a kubeconfig
// uses it.

import fs from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Agent, AgentOptions } from 'node:http';
import { http, https } from '../base/node-http.js';
import { systemClock, type Clock } from '../base/clock.js';
import type { RequestGate } from './request-gate.js';

export interface SidecarKubeConfigOptions {
  readonly userAgent: string;
  readonly gate: RequestGate;
  /** Times the token-file refresh and the retirement of a replaced connection pool; default the system clock. */
  readonly clock?: Clock;
}

export function userAgentFor(version: string): string {
  return `csi-snapshotter/${version}`;
}

/** TLS settings of the cluster and the client certificate of the user, read at load time. */
export interface TlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** false only with `insecure-skip-tls-verify: true`. */
  readonly rejectUnauthorized: boolean;
  readonly servername?: string;
}

/** The Authorization part of a request as the plugin writes it (client-node's Authenticator shape). */
export interface PluginRequestOptions {
  headers?: Record<string, string>;
  cert?: string | Buffer;
  key?: string | Buffer;
}

/** A credential plugin (exec, OIDC): asked before every request; it caches its tokens itself. */
export interface CredentialPlugin {
  readonly name: string;
  apply(opts: PluginRequestOptions): Promise<void>;
}

export type Credentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string }
  /** client-go re-reads a token file once a minute: bound service-account tokens rotate. */
  | { readonly kind: 'tokenFile'; readonly file: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'plugin'; readonly plugin: CredentialPlugin };

export interface ApiServerEndpoint {
  /** Server URL without trailing slash. */
  readonly server: string;
  readonly tls: TlsMaterial;
  /** `proxy-url` of the cluster (http or https proxy). */
  readonly proxyUrl?: string;
  readonly credentials: Credentials;
}

/** What one request is sent with. */
export interface RequestConnection {
  readonly agent: Agent;
  readonly headers: Readonly<Record<string, string>>;
}

const TOKEN_FILE_REFRESH_MS = 60_000;

interface ClientCertificate {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

function sameCertificate(a: ClientCertificate | undefined, b: ClientCertificate | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const same = (x: string | Buffer, y: string | Buffer): boolean =>
    typeof x === 'string' && typeof y === 'string' ? x === y : Buffer.from(x).equals(Buffer.from(y));
  return same(a.cert, b.cert) && same(a.key, b.key);
}

export class SidecarKubeConfig {
  readonly userAgent: string;
  readonly gate: RequestGate;
  readonly endpoint: ApiServerEndpoint;
  readonly #secure: boolean;
  #agent: Agent | undefined;
  /** Client certificate of the current agent when a plugin supplies one (exec credentials). */
  #agentCert: ClientCertificate | undefined;
  #tokenFile: { token: string; readAtMs: number } | undefined;
  readonly #clock: Clock;

  constructor(endpoint: ApiServerEndpoint, options: SidecarKubeConfigOptions) {
    this.endpoint = endpoint;
    this.userAgent = options.userAgent;
    this.gate = options.gate;
    this.#clock = options.clock ?? systemClock;
    this.#secure = endpoint.server.startsWith('https:');
  }

  /** The API server URL of the current context (no trailing slash). */
  serverUrl(): string {
    return this.endpoint.server;
  }

  /** Agent and headers for the next request; the token of a token file is at most a minute old. */
  async connection(): Promise<RequestConnection> {
    const headers: Record<string, string> = { 'User-Agent': this.userAgent };
    const creds = this.endpoint.credentials;
    switch (creds.kind) {
      case 'none':
        return { agent: this.#agentFor(undefined), headers };
      case 'token':
        headers['Authorization'] = `Bearer ${creds.token}`;
        return { agent: this.#agentFor(undefined), headers };
      case 'tokenFile':
        headers['Authorization'] = `Bearer ${this.#readTokenFile(creds.file)}`;
        return { agent: this.#agentFor(undefined), headers };
      case 'basic':
        headers['Authorization'] = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
        return { agent: this.#agentFor(undefined), headers };
      case 'plugin': {
        const opts: PluginRequestOptions = { headers: {} };
        await creds.plugin.apply(opts);
        const auth = opts.headers?.['Authorization'];
        if (auth !== undefined) headers['Authorization'] = auth;
        const cert: ClientCertificate | undefined = opts.cert !== undefined && opts.key !== undefined ? { cert: opts.cert, key: opts.key } : undefined;
        return { agent: this.#agentFor(cert), headers };
      }
    }
  }

  /** Forgets a cached token file so the next request reads it again (after a 401). */
  invalidateCredentials(): void {
    this.#tokenFile = undefined;
  }

  /** Closes the pooled connections (shutdown and tests). Later requests open a new pool. */
  async close(): Promise<void> {
    this.#agent?.destroy();
    this.#agent = undefined;
    this.#agentCert = undefined;
  }

  #readTokenFile(file: string): string {
    const now = this.#clock.now();
    const cached = this.#tokenFile;
    if (cached !== undefined && now - cached.readAtMs < TOKEN_FILE_REFRESH_MS) return cached.token;
    try {
      const token = fs.readFileSync(file, 'utf8').trim();
      this.#tokenFile = { token, readAtMs: now };
      return token;
    } catch (err) {
      // A rotation in progress can briefly remove the file: keep using the last token meanwhile.
      if (cached !== undefined) return cached.token;
      throw new Error(`cannot read the API token file ${file}: ${(err as Error).message}`, { cause: err });
    }
  }

  #agentFor(pluginCert: ClientCertificate | undefined): Agent {
    if (this.#agent !== undefined && sameCertificate(pluginCert, this.#agentCert)) return this.#agent;
    // A new client certificate from a plugin: new connections for it; open ones finish first.
    const old = this.#agent;
    if (old !== undefined) this.#clock.setTimer(() => old.destroy(), 120_000, { unref: true });
    this.#agent = this.#newAgent(pluginCert);
    this.#agentCert = pluginCert;
    return this.#agent;
  }

  #newAgent(pluginCert: ClientCertificate | undefined): Agent {
    const { tls, proxyUrl } = this.endpoint;
    // As client-go: TCP keep-alive probes every 30 s find dead peers under long watches.
    const base: AgentOptions = { keepAlive: true, keepAliveMsecs: 30_000 };
    const proxy = proxyUrl === undefined ? {} : { proxyEnv: { HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl } };
    if (!this.#secure) return new http.Agent({ ...base, ...proxy });
    // One TLS context for all of this agent's connections: given only `ca`/`cert`/`key`, Node
    // parses them into a new context for every socket it opens (measured ~25-70 ms of CPU each,
    // a third of our start-up CPU with the watches, checks and Lease each opening one).
    const secureContext = createSecureContext({
      ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
      ...(pluginCert ?? {
        ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
        ...(tls.key !== undefined ? { key: tls.key } : {}),
      }),
    });
    return new https.Agent({
      ...base,
      ...proxy,
      secureContext,
      ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
      rejectUnauthorized: tls.rejectUnauthorized,
    });
  }
}
