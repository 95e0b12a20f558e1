// A tiny GET for readiness probes (etcd /health over plain HTTP). AbortSignal-aware.
import http from 'node:http';

export interface HttpResult {
  readonly status: number;
  readonly body: string;
}

export function httpGet(url: string, signal: AbortSignal): Promise<HttpResult> {
  return new Promise<HttpResult>((resolve, reject) => {
    const req = http.get(url, { signal }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}
