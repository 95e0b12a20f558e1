// A scripted HTTPS "API server" for unit tests of src/kube: a node:https server on 127.0.0.1 with
// a throw-away self-signed certificate (openssl, in a unique temp dir) and a kubeconfig pointing
// at it. Each test installs a handler; every request is recorded (method, path, query, headers,
// body). Watches are served with `stream()`: send events, end, or simply never write (a stall).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface WatchStream {
  send(type: string, object: unknown): void;
  /** Writes raw bytes (e.g. a half line or a bigint body written by hand). */
  write(text: string): void;
  end(): void;
}

export interface FakeResponse {
  json(status: number, body: unknown, headers?: Readonly<Record<string, string>>): void;
  /** A body given as raw JSON text (for exact int64 digits). */
  text(status: number, body: string, headers?: Readonly<Record<string, string>>): void;
  status(status: number, reason: string, message: string, headers?: Readonly<Record<string, string>>): void;
  /** 200 + headers flushed; the test drives the body. */
  stream(): WatchStream;
}

export type FakeHandler = (req: RecordedRequest, res: FakeResponse) => void;

export class FakeApiServer {
  readonly url: string;
  readonly kubeconfigPath: string;
  readonly requests: RecordedRequest[] = [];
  /** TLS connections accepted (pooling shows as few connections for many requests). */
  connections = 0;
  #handler: FakeHandler = (_req, res) => res.status(404, 'NotFound', 'no handler installed');
  readonly #server: https.Server;
  readonly #dir: string;
  readonly #open = new Set<ServerResponse>();

  private constructor(server: https.Server, url: string, dir: string, kubeconfigPath: string) {
    this.#server = server;
    this.url = url;
    this.#dir = dir;
    this.kubeconfigPath = kubeconfigPath;
    server.on('secureConnection', () => {
      this.connections++;
    });
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'https://127.0.0.1');
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          path: u.pathname,
          query: u.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.requests.push(recorded);
        this.#open.add(res);
        res.on('close', () => this.#open.delete(res));
        this.#handler(recorded, responder(res));
      });
    });
  }

  static async start(): Promise<FakeApiServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fkapi-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
        '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
    const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const kubeconfigPath = path.join(dir, 'kubeconfig');
    const ca = fs.readFileSync(cert).toString('base64');
    fs.writeFileSync(
      kubeconfigPath,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: fake\n  cluster:\n    server: ${url}\n    certificate-authority-data: ${ca}`,
        'users:',
        '- name: fake\n  user:\n    token: fake-token',
        'contexts:',
        '- name: fake\n  context:\n    cluster: fake\n    user: fake',
        'current-context: fake',
        '',
      ].join('\n'),
    );
    return new FakeApiServer(server, url, dir, kubeconfigPath);
  }

  handle(handler: FakeHandler): void {
    this.#handler = handler;
  }

  /** Ends every open response (e.g. watches left streaming by a test). */
  endAll(): void {
    for (const res of this.#open) res.destroy();
    this.#open.clear();
  }

  async close(): Promise<void> {
    this.endAll();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    fs.rmSync(this.#dir, { recursive: true, force: true });
  }
}

function responder(res: ServerResponse): FakeResponse {
  const text = (status: number, body: string, headers: Readonly<Record<string, string>> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  };
  return {
    text,
    json: (status, body, headers) => text(status, JSON.stringify(body), headers),
    status: (status, reason, message, headers) =>
      text(status, JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code: status }), headers),
    stream() {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.flushHeaders();
      return {
        send: (type, object) => res.write(`${JSON.stringify({ type, object })}\n`),
        write: (t) => res.write(t),
        end: () => res.end(),
      };
    },
  };
}
