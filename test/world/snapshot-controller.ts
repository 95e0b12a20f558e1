// The upstream snapshot-controller (external-snapshotter v8.6.0) against the world's apiserver,
// with group snapshots on and short retry intervals so tests do not wait on production backoffs.
// Ready when its diagnostics endpoint answers; it exits on its own if the CRDs are missing.
import { httpGet } from './http-get.js';
import { freePort } from './ports.js';
import { readyOrStopped, startProcess, startWithRetry } from './proc.js';
import type { ManagedProcess } from './proc.js';

export interface SnapshotController {
  readonly metricsUrl: string;
  readonly process: ManagedProcess;
}

export interface StartSnapshotControllerOptions {
  readonly binary: string;
  readonly kubeconfig: string;
  readonly logDir: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export function startSnapshotController(opts: StartSnapshotControllerOptions): Promise<SnapshotController> {
  return startWithRetry(3, async () => {
    const port = await freePort();
    const proc = startProcess({
      name: 'snapshot-controller',
      binary: opts.binary,
      logDir: opts.logDir,
      args: [
        `--kubeconfig=${opts.kubeconfig}`,
        '--leader-election=false',
        '--feature-gates=CSIVolumeGroupSnapshot=true',
        '--worker-threads=4',
        '--kube-api-qps=50',
        '--kube-api-burst=100',
        '--retry-interval-start=100ms',
        '--retry-interval-max=5s',
        '--resync-period=1m',
        '--retry-crd-interval-max=30s',
        `--http-endpoint=127.0.0.1:${port}`,
        '--v=4',
      ],
    });
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    await readyOrStopped(proc, async (signal) => (await httpGet(metricsUrl, signal)).status === 200, {
      what: 'snapshot-controller',
      timeoutMs: opts.timeoutMs ?? 30_000,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return { metricsUrl, process: proc };
  });
}
