// etcd for the world: a single member on loopback, data on tmpfs, fsync off (the data is thrown
// away with the run). Ready when /health says so.
import fs from 'node:fs';
import { httpGet } from './http-get.js';
import { freePorts } from './ports.js';
import { readyOrStopped, startProcess, startWithRetry } from './proc.js';
import type { ManagedProcess } from './proc.js';

export interface Etcd {
  readonly url: string;
  readonly process: ManagedProcess;
}

export interface StartEtcdOptions {
  readonly binary: string;
  readonly dataDir: string;
  readonly logDir: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export function startEtcd(opts: StartEtcdOptions): Promise<Etcd> {
  return startWithRetry(3, async () => {
    fs.rmSync(opts.dataDir, { recursive: true, force: true });
    const [client, peer] = await freePorts(2);
    const url = `http://127.0.0.1:${client}`;
    const peerUrl = `http://127.0.0.1:${peer}`;
    const proc = startProcess({
      name: 'etcd',
      binary: opts.binary,
      logDir: opts.logDir,
      args: [
        '--name=testworld',
        `--data-dir=${opts.dataDir}`,
        `--listen-client-urls=${url}`,
        `--advertise-client-urls=${url}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=testworld=${peerUrl}`,
        '--unsafe-no-fsync',
        // One member has no peers to lose: a short election timeout makes it leader in ~50 ms
        // instead of ~1 s.
        '--heartbeat-interval=10',
        '--election-timeout=100',
        '--log-level=warn',
      ],
    });
    await readyOrStopped(
      proc,
      async (signal) => {
        const res = await httpGet(`${url}/health`, signal);
        return res.status === 200 && res.body.includes('"true"');
      },
      { what: 'etcd', timeoutMs: opts.timeoutMs ?? 20_000, ...(opts.signal ? { signal: opts.signal } : {}) },
    );
    return { url, process: proc };
  });
}
