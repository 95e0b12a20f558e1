// The two workloads about a sidecar that is not yet doing work when the work arrives.
// W0 (start): N pending dynamic contents already exist, as after a rollout (the VolumeSnapshot was
// taken while the old pod was going away), then the process is spawned: spawn → the driver's first
// CreateSnapshot, and the sidecar's CPU over that span (sampled from /proc every 10 ms).
// W5 (failover): two replicas with leader election share one driver; once the leader is idle it is
// SIGSTOPped, N contents are created (so they are pending: nobody processes them), and after a
// fixed STOP_TO_KILL_MS the leader is SIGKILLed. From the kill: the Lease names the standby, the
// driver's first CreateSnapshot (the standby's), and every content readyToUse. A standby that took
// the Lease before the kill (the creates took too long) fails the run rather than skew it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeRest } from '../test/world/kube-rest.js';
import { BenchError } from './bench-error.js';
import { forEachBounded } from './bounded-pool.js';
import { contentName, createContent } from './content-factory.js';
import type { ContentSpec } from './content-factory.js';
import { CREATE_SNAPSHOT, firstCallAtMs } from './csi-call-count.js';
import { fileOffset, readLines, readNewLines } from './log-slice.js';
import { cpuAt, sampleProcess } from './proc-stats.js';
import type { CpuSample } from './proc-stats.js';
import type { WorkloadSpec } from './results-schema.js';
import type { RunSession } from './run-session.js';
import type { SidecarUnderTest } from './sidecar-under-test.js';
import { syncFromLines, waitForSync } from './sidecar-under-test.js';
import { CREATE_CONCURRENCY, QUIET, VOLUMES, fromCost, latencies, phaseTimeoutMs } from './workload-common.js';
import type { RunBody, WorkloadContext } from './workload-common.js';
import { LEASE_NAMESPACE } from './workload-specs.js';

/** W5: how long the leader stays SIGSTOPped before the SIGKILL (longer if the creates take longer). */
export const STOP_TO_KILL_MS = 1_500;
const REPLICAS = ['bench-replica-a', 'bench-replica-b'] as const;
const LEASES = `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases`;
/** Both sidecars name their Lease `external-snapshotter-leader-<driver>`. */
const LEASE_PREFIX = 'external-snapshotter-leader-';

function pendingContents(prefix: string, n: number, volumes: readonly string[]): readonly ContentSpec[] {
  return Array.from({ length: n }, (_, i) => ({ name: contentName(prefix, i), volumeHandle: volumes[i % volumes.length] ?? '', finalizer: true }));
}

async function createAll(s: RunSession, specs: readonly ContentSpec[], ctx: WorkloadContext): Promise<Map<string, number>> {
  const createdAt = new Map<string, number>();
  await forEachBounded(specs, CREATE_CONCURRENCY, async (c) => {
    await createContent(s.kube, c, s.world.driverName, ctx.signal);
    createdAt.set(c.name, performance.now());
  });
  return createdAt;
}

/** W0: N pending contents exist; spawn → the driver's first CreateSnapshot. */
export async function startWorkload(s: RunSession, spec: WorkloadSpec, ctx: WorkloadContext): Promise<RunBody> {
  const volumes = await s.createVolumes(Math.min(VOLUMES, spec.n));
  const specs = pendingContents('p', spec.n, volumes);
  await createAll(s, specs, ctx);
  const watch = await s.watch();
  try {
    const mark = await s.mark();
    ctx.progress(`${spec.n} pending content(s) exist; spawning the sidecar`);
    const sc = await s.spawnSidecar();
    s.sidecar = sc;
    const samples: CpuSample[] = [];
    let offset = mark.driver0;
    let firstAt: number | undefined;
    const deadline = performance.now() + 120_000;
    while (firstAt === undefined) {
      ctx.signal.throwIfAborted();
      if (!sc.process.isRunning()) throw new BenchError('sidecar-exited', `${sc.side} sidecar exited before its first CreateSnapshot; see ${sc.logPath}`);
      if (performance.now() > deadline) throw new BenchError('timeout', `${sc.side} sidecar: no CreateSnapshot in ${s.world.driverLog} 120 s after spawn`);
      samples.push({ atMs: Date.now(), cpu_seconds: sampleProcess(sc.pid).cpu_seconds });
      const chunk = readNewLines(s.world.driverLog, offset);
      offset = chunk.next;
      firstAt = firstCallAtMs(chunk.lines, CREATE_SNAPSHOT);
      if (firstAt === undefined) await sleep(10, undefined, { signal: ctx.signal });
    }
    // One more sample, so the span's CPU is bounded by a reading taken after the call was logged.
    samples.push({ atMs: Date.now(), cpu_seconds: sampleProcess(sc.pid).cpu_seconds });
    const spanCpu = cpuAt(samples, firstAt);
    const firstSeconds = (firstAt - sc.spawnedAtMs) / 1000;
    ctx.progress(`first CreateSnapshot ${firstSeconds.toFixed(2)} s after spawn (CPU ${spanCpu.toFixed(2)} s); waiting for all ready`);
    await watch.until(() => specs.every((c) => watch.settledAt(c.name) !== undefined), { what: `${spec.n} contents ready and settled`, timeoutMs: phaseTimeoutMs(spec), signal: ctx.signal });
    await s.waitQuiet(mark, QUIET);
    const cost = await s.measure(mark);
    const backend = await s.newBackendSnapshots();
    // Where the span went: spawn → caches synced (inexact for upstream below --v=4: its marker precedes the sync).
    const sync = syncFromLines(sc.side, spec.flags, sc.spawnedAtMs, readLines(sc.logPath, 0));
    return {
      ...fromCost(cost, spec.n, 0),
      seconds: firstSeconds,
      cpu_seconds: spanCpu,
      first_create_seconds: firstSeconds,
      ...(sync ? { sync_seconds: sync.syncSeconds, sync_exact: sync.exact } : {}),
      backend_snapshots: backend.size,
      backend_expected: spec.n,
    };
  } finally {
    await watch.stop();
  }
}

/** The holder of the sidecars' Lease ('' when none yet or released). */
export async function leaseHolder(kube: KubeRest, signal: AbortSignal): Promise<string> {
  const list = (await kube.get(LEASES, signal)) as { readonly items?: readonly { readonly metadata?: { readonly name?: string }; readonly spec?: { readonly holderIdentity?: string } }[] };
  const lease = list.items?.find((l) => l.metadata?.name?.startsWith(LEASE_PREFIX) === true);
  return lease?.spec?.holderIdentity ?? '';
}

async function waitForHolder(s: RunSession, replicas: readonly SidecarUnderTest[], accept: (holder: string) => boolean, ctx: WorkloadContext, timeoutMs: number): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    for (const r of replicas) {
      if (!r.process.isRunning()) throw new BenchError('sidecar-exited', `${r.side} replica ${r.hostname ?? ''} exited; see ${r.logPath}`);
    }
    const holder = await leaseHolder(s.kube, ctx.signal);
    if (accept(holder)) return holder;
    if (performance.now() > deadline) throw new BenchError('timeout', `Lease holder still "${holder}" after ${timeoutMs} ms; replica logs: ${replicas.map((r) => r.logPath).join(', ')}`);
    await sleep(50, undefined, { signal: ctx.signal });
  }
}

/** W5: SIGKILL of a SIGSTOPped leader with N contents pending → the standby's first CreateSnapshot, all ready. */
export async function failoverWorkload(s: RunSession, spec: WorkloadSpec, ctx: WorkloadContext): Promise<RunBody> {
  const volumes = await s.createVolumes(VOLUMES);
  const specs = pendingContents('f', spec.n, volumes);
  const replicas = [await s.spawnSidecar(REPLICAS[0]), await s.spawnSidecar(REPLICAS[1])];
  const holder = await waitForHolder(s, replicas, (h) => REPLICAS.some((r) => r === h), ctx, 60_000);
  const leader = replicas.find((r) => r.hostname === holder);
  const standby = replicas.find((r) => r.hostname !== holder);
  if (leader === undefined || standby === undefined) throw new BenchError('bad-arguments', `Lease holder ${holder} is not one of ${REPLICAS.join(', ')}`);
  // The leader syncs its (empty) caches and idles; the standby keeps trying the Lease.
  await waitForSync(leader, { flags: spec.flags, timeoutMs: 60_000, settleMs: 3_000, signal: ctx.signal });
  ctx.progress(`${leader.hostname ?? ''} leads, ${standby.hostname ?? ''} stands by; SIGSTOP the leader, create ${spec.n} contents`);
  s.sidecar = standby;
  const startupCpu = sampleProcess(standby.pid).cpu_seconds;
  const watch = await s.watch();
  try {
    const driverAtStop = fileOffset(s.world.driverLog);
    process.kill(leader.pid, 'SIGSTOP');
    const stoppedAt = performance.now();
    const createdAt = await createAll(s, specs, ctx);
    await sleep(Math.max(0, STOP_TO_KILL_MS - (performance.now() - stoppedAt)), undefined, { signal: ctx.signal });
    const stillHeld = await leaseHolder(s.kube, ctx.signal);
    if (stillHeld !== leader.hostname) {
      throw new BenchError('timeout', `the standby took the Lease (holder "${stillHeld}") before the kill: creating ${spec.n} contents took ${((performance.now() - stoppedAt) / 1000).toFixed(1)} s`);
    }
    const mark = await s.mark();
    const killAtMs = Date.now();
    const killAt = performance.now();
    process.kill(leader.pid, 'SIGKILL');
    const stopToKill = (killAt - stoppedAt) / 1000;
    ctx.progress(`SIGKILL after ${stopToKill.toFixed(2)} s stopped; waiting for the standby`);
    const takeover = waitForHolder(s, [standby], (h) => h === standby.hostname, ctx, 120_000).then(() => (performance.now() - killAt) / 1000);
    takeover.catch(() => undefined); // awaited below; a failure meanwhile must not be unhandled
    await watch.until(() => specs.every((c) => watch.readyAt(c.name) !== undefined), { what: `${spec.n} contents ready`, timeoutMs: phaseTimeoutMs(spec), signal: ctx.signal });
    const endAt = Math.max(...specs.map((c) => watch.readyAt(c.name) ?? 0));
    const takeoverSeconds = await takeover;
    await watch.until(() => specs.every((c) => watch.settledAt(c.name) !== undefined), { what: `${spec.n} contents settled`, timeoutMs: phaseTimeoutMs(spec), signal: ctx.signal });
    await s.waitQuiet(mark, QUIET);
    const cost = await s.measure(mark, endAt);
    // From the SIGSTOP on: a CreateSnapshot before the kill means the standby took over early.
    const firstAt = firstCallAtMs(readLines(s.world.driverLog, driverAtStop), CREATE_SNAPSHOT);
    if (firstAt === undefined) throw new BenchError('timeout', `no CreateSnapshot after the kill in ${s.world.driverLog}`);
    if (firstAt < killAtMs) throw new BenchError('timeout', `a CreateSnapshot ${killAtMs - firstAt} ms BEFORE the kill: the standby took over while the leader was stopped`);
    const backend = await s.newBackendSnapshots();
    const lat = latencies(specs.map((c) => c.name), createdAt, (n) => watch.readyAt(n));
    return {
      ...fromCost(cost, spec.n, startupCpu),
      seconds: (endAt - killAt) / 1000,
      first_create_seconds: (firstAt - killAtMs) / 1000,
      takeover_seconds: takeoverSeconds,
      stop_to_kill_seconds: stopToKill,
      backend_snapshots: backend.size,
      backend_expected: spec.n,
      p50_seconds: lat.p50,
      p99_seconds: lat.p99,
    };
  } finally {
    await watch.stop();
  }
}
