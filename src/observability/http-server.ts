// The diagnostics HTTP server of --http-endpoint (or the deprecated --metrics-address): the
// Prometheus handler at --metrics-path and, as upstream, /healthz/leader-election when leader
// election is on; plus our /healthz (process alive) and /readyz (driver connected and caches
// synced). Everything else is 404. Timeouts are set, unlike upstream's bare ListenAndServe.

import type { Server, ServerResponse } from 'node:http';
import { http } from '../base/node-http.js';
import type { Registry } from 'prom-client';
import { CodedError, type CodedErrorOptions } from '../base/coded-error.js';

export interface DiagnosticsOptions {
  /** host:port as Go's net.Listen takes it (":8080", "127.0.0.1:8080", "[::1]:8080"). */
  readonly address: string;
  readonly metricsPath: string;
  readonly registry: Registry;
  /** Present only with --leader-election and --http-endpoint: returns an error text when unhealthy. */
  readonly leaderElectionCheck?: () => string | undefined;
  /** Returns why the sidecar is not ready, or undefined when ready. */
  readonly readiness: () => string | undefined;
}

export class HttpEndpointError extends CodedError<'HTTP_ENDPOINT'> {
  override readonly name = 'HttpEndpointError';
  constructor(message: string, options?: CodedErrorOptions) {
    super('HTTP_ENDPOINT', message, options);
  }
}

export function parseListenAddress(address: string): { readonly host: string | undefined; readonly port: number } {
  const i = address.lastIndexOf(':');
  if (i < 0) throw new HttpEndpointError(`address ${address}: missing port in address; use host:port, e.g. :8080`);
  let host = address.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = Number(address.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new HttpEndpointError(`address ${address}: invalid port`);
  return { host: host === '' ? undefined : host, port };
}

export async function startDiagnosticsServer(opts: DiagnosticsOptions): Promise<{ readonly server: Server; readonly port: number; close(): Promise<void> }> {
  const { host, port } = parseListenAddress(opts.address);
  const text = (res: ServerResponse, code: number, body: string): void => {
    res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }).end(body);
  };
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname === opts.metricsPath) {
      opts.registry.metrics().then(
        (body) => res.writeHead(200, { 'Content-Type': opts.registry.contentType }).end(body),
        (err: unknown) => text(res, 500, `error gathering metrics: ${String(err)}`),
      );
      return;
    }
    if (pathname === '/healthz/leader-election' && opts.leaderElectionCheck !== undefined) {
      const err = opts.leaderElectionCheck();
      text(res, err === undefined ? 200 : 500, err === undefined ? 'ok' : `internal server error: ${err}`);
      return;
    }
    if (pathname === '/healthz' || pathname === '/livez') return text(res, 200, 'ok');
    if (pathname === '/readyz') {
      const why = opts.readiness();
      return text(res, why === undefined ? 200 : 503, why === undefined ? 'ok' : `not ready: ${why}`);
    }
    text(res, 404, '404 page not found\n');
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new HttpEndpointError(`cannot listen on ${opts.address}: ${err.message}`, { cause: err })));
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr !== null ? addr.port : port;
  return {
    server,
    port: bound,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
