// The bench's own view of VolumeSnapshotContents: one watch (admin client, its own user agent) that
// stamps, on arrival, when each content first showed readyToUse=true, when it was also free of the
// being-created annotation (the sidecar's last write), and when it was deleted.
// Stamps are performance.now() milliseconds, the same clock the workloads use for creation times.
// A watch the apiserver closes is resumed from the last resourceVersion seen.
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { BenchError } from './bench-error.js';

const CONTENTS = '/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents';
/** Set by both sidecars around CreateSnapshot; removed (after readyToUse) when the create is settled. */
const BEING_CREATED = 'snapshot.storage.kubernetes.io/volumesnapshot-being-created';

interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: {
    readonly metadata?: { readonly name?: string; readonly resourceVersion?: string; readonly annotations?: Readonly<Record<string, string>> };
    readonly status?: { readonly readyToUse?: boolean };
  };
}

export class ContentWatch {
  private readonly ready = new Map<string, number>();
  private readonly settled = new Map<string, number>();
  private readonly gone = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  private readonly stopper = new AbortController();
  private resourceVersion: string;
  private readonly done: Promise<void>;
  private readonly server: string;
  private readonly tls: https.RequestOptions;

  private constructor(server: string, tls: https.RequestOptions, resourceVersion: string) {
    this.server = server;
    this.tls = tls;
    this.resourceVersion = resourceVersion;
    this.done = this.loop();
  }

  /** Starts watching from "now" (the list's resourceVersion): earlier objects are not reported. */
  static async start(opts: { readonly kubeconfig: string; readonly signal: AbortSignal }): Promise<ContentWatch> {
    const kc = new KubeConfig();
    kc.loadFromFile(opts.kubeconfig);
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new BenchError('kube-failed', `${opts.kubeconfig} has no current cluster`);
    const tls: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(tls);
    const list = (await getJson(cluster.server, tls, `${CONTENTS}?limit=1`, opts.signal)) as { readonly metadata?: { readonly resourceVersion?: string } };
    return new ContentWatch(cluster.server, tls, list.metadata?.resourceVersion ?? '0');
  }

  readyAt(name: string): number | undefined {
    return this.ready.get(name);
  }

  /** First time the content was ready AND without the being-created annotation: the sidecar is done with it. */
  settledAt(name: string): number | undefined {
    return this.settled.get(name);
  }

  goneAt(name: string): number | undefined {
    return this.gone.get(name);
  }

  /** Resolves once `done()` holds (checked on every event); rejects on timeout or abort. */
  async until(done: () => boolean, opts: { readonly what: string; readonly timeoutMs: number; readonly signal: AbortSignal }): Promise<void> {
    if (done()) return;
    const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]);
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        cleanup();
        resolve();
      };
      const onAbort = (): void => {
        cleanup();
        reject(opts.signal.aborted ? opts.signal.reason : new BenchError('timeout', `${opts.what}: not done after ${opts.timeoutMs} ms`));
      };
      const cleanup = (): void => {
        this.waiters.delete(check);
        signal.removeEventListener('abort', onAbort);
      };
      this.waiters.add(check);
      signal.addEventListener('abort', onAbort, { once: true });
      check();
    });
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.done;
  }

  private async loop(): Promise<void> {
    while (!this.stopper.signal.aborted) {
      try {
        await this.watchOnce();
      } catch {
        // A dropped stream is resumed below; the stop signal ends the loop.
      }
      await sleep(100, undefined, { signal: this.stopper.signal }).catch(() => undefined);
    }
  }

  private watchOnce(): Promise<void> {
    const url = new URL(`${CONTENTS}?watch=true&allowWatchBookmarks=true&resourceVersion=${this.resourceVersion}`, this.server);
    return new Promise<void>((resolve, reject) => {
      const req = https.request(url, { ...this.tls, method: 'GET', signal: this.stopper.signal, headers: { 'user-agent': 'csi-bench/watch' } }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new BenchError('kube-failed', `watch ${CONTENTS}: HTTP ${res.statusCode}`));
          return;
        }
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          pending += chunk;
          let nl = pending.indexOf('\n');
          while (nl >= 0) {
            const line = pending.slice(0, nl);
            pending = pending.slice(nl + 1);
            if (line.trim() !== '') this.onEvent(JSON.parse(line) as WatchEvent);
            nl = pending.indexOf('\n');
          }
        });
        res.on('end', resolve);
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  private onEvent(ev: WatchEvent): void {
    const now = performance.now();
    const rv = ev.object.metadata?.resourceVersion;
    if (rv !== undefined && ev.type !== 'ERROR') this.resourceVersion = rv;
    const name = ev.object.metadata?.name;
    if (name !== undefined && ev.type !== 'BOOKMARK' && ev.type !== 'ERROR') {
      if (ev.type === 'DELETED') {
        if (!this.gone.has(name)) this.gone.set(name, now);
      } else if (ev.object.status?.readyToUse === true) {
        if (!this.ready.has(name)) this.ready.set(name, now);
        if (!this.settled.has(name) && ev.object.metadata?.annotations?.[BEING_CREATED] === undefined) this.settled.set(name, now);
      }
    }
    for (const check of [...this.waiters]) check();
  }
}

function getJson(server: string, tls: https.RequestOptions, path: string, signal: AbortSignal): Promise<unknown> {
  return new Promise<unknown>((resolve, reject) => {
    const req = https.request(new URL(path, server), { ...tls, method: 'GET', signal, headers: { 'user-agent': 'csi-bench/watch' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new BenchError('kube-failed', `GET ${path}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
        else resolve(JSON.parse(text));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
