// One sidecar on one fresh world, with the plumbing every workload shares: admin clients, the
// bench's content watch, the sidecar process, and a "phase" whose cost is measured from four
// independent sources (/proc for CPU and memory, the audit log for API requests, the driver's log
// for CSI calls, the sidecar's own metrics as a cross-check).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { CsiAdmin } from '../test/world/csi-admin.js';
import { KubeRest } from '../test/world/kube-rest.js';
import type { Manifest } from '../test/world/manifest.js';
import { countApiRequests, leaseRequests } from './audit-count.js';
import type { ApiCounts } from './audit-count.js';
import { startBenchWorld } from './bench-world.js';
import type { BenchWorld } from './bench-world.js';
import { ContentWatch } from './content-watch.js';
import { createClass } from './content-factory.js';
import { countCsiCalls } from './csi-call-count.js';
import type { CsiCallCounts } from './csi-call-count.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileOffset, readLines, readNewLines } from './log-slice.js';
import { sampleProcess } from './proc-stats.js';
import { diffCounts, scrapeOperationCounts } from './sidecar-metrics.js';
import { startSidecarUnderTest, waitForSync } from './sidecar-under-test.js';
import type { Side, SidecarUnderTest, SyncResult } from './sidecar-under-test.js';

export interface SessionOptions {
  readonly manifest: Manifest;
  /** Parent directory; each session gets its own run dir below it (kept for inspection). */
  readonly workDir: string;
  readonly side: Side;
  readonly flags: readonly string[];
  readonly oursEnv?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

export interface PhaseMark {
  readonly t0: number;
  readonly cpu0: number;
  readonly apiserverCpu0: number;
  readonly audit0: number;
  readonly driver0: number;
  readonly metrics0: Readonly<Record<string, number>>;
}

export interface PhaseCost {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly cpuTotalSeconds: number;
  /** kube-apiserver CPU in the phase: on a small machine it competes with the sidecar for cores. */
  readonly apiserverCpuSeconds: number;
  readonly peakRssMb: number;
  readonly api: ApiCounts;
  readonly csi: CsiCallCounts;
  readonly metricsCalls: Readonly<Record<string, number>>;
}

export class RunSession {
  /** The sidecar the phase measures (W5: set to the standby once the leader is known). */
  sidecar: SidecarUnderTest | undefined;
  /** Every sidecar process this session started (stopped on close). */
  private readonly started: SidecarUnderTest[] = [];
  readonly opts: SessionOptions;
  readonly world: BenchWorld;
  readonly kube: KubeRest;
  readonly csi: CsiAdmin;
  /** Backend snapshot ids present before the workload (the mock pre-seeds some). */
  readonly baselineSnapshots: ReadonlySet<string>;

  private constructor(opts: SessionOptions, world: BenchWorld, kube: KubeRest, csi: CsiAdmin, baselineSnapshots: ReadonlySet<string>) {
    this.opts = opts;
    this.world = world;
    this.kube = kube;
    this.csi = csi;
    this.baselineSnapshots = baselineSnapshots;
  }

  static async open(opts: SessionOptions): Promise<RunSession> {
    const runDir = path.join(opts.workDir, `${opts.side}-${randomBytes(3).toString('hex')}`);
    const world = await startBenchWorld({ manifest: opts.manifest, runDir, signal: opts.signal });
    let csi: CsiAdmin | undefined;
    try {
      const kube = await KubeRest.fromKubeconfig({ kubeconfig: world.kubeconfig, userAgent: 'csi-bench/admin' });
      csi = CsiAdmin.open({ endpoint: world.csiEndpoint, csiProto: world.csiProto });
      await createClass(kube, world.driverName, opts.signal);
      const baseline = new Set((await csi.listSnapshots({}, opts.signal)).map((s) => s.snapshot_id));
      return new RunSession(opts, world, kube, csi, baseline);
    } catch (err) {
      csi?.close();
      await world.stop();
      throw err;
    }
  }

  /** Source volumes on the driver for dynamic contents to snapshot (round-robin). */
  async createVolumes(count: number): Promise<readonly string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await this.csi.createVolume({ name: `bench-vol-${i}` }, this.opts.signal)).volume_id);
    return ids;
  }

  watch(): Promise<ContentWatch> {
    return ContentWatch.start({ kubeconfig: this.world.kubeconfig, signal: this.opts.signal });
  }

  async startSidecar(opts: { readonly syncTimeoutMs: number; readonly settleMs: number }): Promise<SyncResult> {
    this.sidecar = await this.spawnSidecar();
    return waitForSync(this.sidecar, { flags: this.opts.flags, timeoutMs: opts.syncTimeoutMs, settleMs: opts.settleMs, signal: this.opts.signal });
  }

  /** Starts a sidecar process without waiting for anything; `hostname` gives it an identity of its own (W5). */
  async spawnSidecar(hostname?: string): Promise<SidecarUnderTest> {
    const sc = await startSidecarUnderTest({
      side: this.opts.side,
      world: this.world,
      upstreamBinary: this.opts.manifest.binaries['csi-snapshotter-upstream'],
      flags: this.opts.flags,
      ...(this.opts.oursEnv ? { oursEnv: this.opts.oursEnv } : {}),
      ...(hostname !== undefined ? { hostname } : {}),
    });
    this.started.push(sc);
    return sc;
  }

  /** Marks the start of the measured phase (before or after the sidecar starts). */
  async mark(): Promise<PhaseMark> {
    const sc = this.sidecar;
    return {
      t0: performance.now(),
      cpu0: sc ? sampleProcess(sc.pid).cpu_seconds : 0,
      apiserverCpu0: sampleProcess(this.world.apiserverPid).cpu_seconds,
      audit0: fileOffset(this.world.auditLog),
      driver0: fileOffset(this.world.driverLog),
      metrics0: sc ? await scrapeOperationCounts(sc.metricsUrl, this.opts.signal) : {},
    };
  }

  /**
   * Waits until the sidecar has sent no API request but Lease renewals for `quietMs` (at most `maxMs`): work the
   * sidecar still does after the user-visible end (a throttled last PATCH) belongs to the phase.
   */
  async waitQuiet(mark: PhaseMark, opts: { readonly quietMs: number; readonly maxMs: number }): Promise<void> {
    const sc = this.sidecar;
    if (!sc) return;
    const start = performance.now();
    let offset = mark.audit0;
    let lastSeen = performance.now();
    while (performance.now() - lastSeen < opts.quietMs && performance.now() - start < opts.maxMs) {
      const chunk = readNewLines(this.world.auditLog, offset);
      offset = chunk.next;
      const api = countApiRequests(chunk.lines, sc.userAgentName);
      // A leader renews its Lease every retry period: that is not work on contents.
      if (api.per_object - leaseRequests(api) > 0) lastSeen = performance.now();
      await sleep(100, undefined, { signal: this.opts.signal });
    }
  }

  /** Everything the phase cost the sidecar; call once the phase's end condition holds (and waitQuiet). */
  async measure(mark: PhaseMark, endAt: number = performance.now()): Promise<PhaseCost> {
    const sc = this.sidecar;
    if (!sc) throw new Error('measure() before startSidecar()');
    const proc = sampleProcess(sc.pid);
    const driverLines = readLines(this.world.driverLog, mark.driver0);
    const auditLines = readLines(this.world.auditLog, mark.audit0);
    const metrics = await scrapeOperationCounts(sc.metricsUrl, this.opts.signal);
    return {
      seconds: (endAt - mark.t0) / 1000,
      cpuSeconds: proc.cpu_seconds - mark.cpu0,
      cpuTotalSeconds: proc.cpu_seconds,
      apiserverCpuSeconds: sampleProcess(this.world.apiserverPid).cpu_seconds - mark.apiserverCpu0,
      peakRssMb: proc.peak_rss_mb,
      api: countApiRequests(auditLines, sc.userAgentName),
      csi: countCsiCalls(driverLines),
      metricsCalls: diffCounts(metrics, mark.metrics0),
    };
  }

  /** Backend snapshot ids now, minus the baseline (read AFTER measure(): this call is itself a CSI call). */
  async newBackendSnapshots(): Promise<ReadonlySet<string>> {
    const now = await this.csi.listSnapshots({}, this.opts.signal);
    return new Set(now.map((s) => s.snapshot_id).filter((id) => !this.baselineSnapshots.has(id)));
  }

  async close(): Promise<void> {
    try {
      await Promise.all(this.started.map((sc) => sc.process.stop(10_000)));
    } finally {
      this.csi.close();
      await this.world.stop();
    }
  }
}
