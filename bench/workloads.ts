// The workload procedures. Each runs ONE sidecar (W5: two replicas) on ONE fresh world and returns
// what it measured; the caller alternates sides and repetitions. The bench itself plays the
// snapshot-controller (content-factory.ts) and times every content through its own watch.
// W1–W4 live here, the start-up and failover workloads (W0, W5) in start-workloads.ts.
import { BOUND_PROTECTION } from './content-factory.js';
import { contentName, createContent, markReady, requestDeletion } from './content-factory.js';
import type { ContentSpec } from './content-factory.js';
import { forEachBounded } from './bounded-pool.js';
import { deletedSnapshotIds } from './csi-call-count.js';
import { CsiSnapshotSeeder } from './csi-snapshot-seeder.js';
import { readLines } from './log-slice.js';
import type { RunMeasurement, WorkloadSpec } from './results-schema.js';
import { RunSession } from './run-session.js';
import { sampleProcess } from './proc-stats.js';
import { failoverWorkload, startWorkload } from './start-workloads.js';
import { CREATE_CONCURRENCY, QUIET, SETUP_CONCURRENCY, VOLUMES, fromCost, latencies, phaseTimeoutMs } from './workload-common.js';
import type { RunBody, WorkloadContext } from './workload-common.js';

export type { WorkloadContext } from './workload-common.js';

/** W1 / W2: N dynamic contents created at once; first create → every one readyToUse. */
async function createWorkload(s: RunSession, spec: WorkloadSpec, ctx: WorkloadContext): Promise<RunBody> {
  const volumes = await s.createVolumes(VOLUMES);
  const specs: ContentSpec[] = Array.from({ length: spec.n }, (_, i) => ({ name: contentName('w', i), volumeHandle: volumes[i % VOLUMES] ?? '', finalizer: true }));
  const watch = await s.watch();
  try {
    await s.startSidecar({ syncTimeoutMs: 60_000, settleMs: 1_500 });
    const startupCpu = sampleProcess(s.sidecar?.pid ?? 0).cpu_seconds;
    ctx.progress(`creating ${spec.n} contents`);
    const mark = await s.mark();
    const createdAt = new Map<string, number>();
    await forEachBounded(specs, CREATE_CONCURRENCY, async (c) => {
      await createContent(s.kube, c, s.world.driverName, ctx.signal);
      createdAt.set(c.name, performance.now());
    });
    await watch.until(() => specs.every((c) => watch.readyAt(c.name) !== undefined), { what: `${spec.n} contents ready`, timeoutMs: phaseTimeoutMs(spec), signal: ctx.signal });
    const endAt = Math.max(...specs.map((c) => watch.readyAt(c.name) ?? 0));
    // Costs run until the sidecar is done with every content (its last write follows readyToUse).
    await watch.until(() => specs.every((c) => watch.settledAt(c.name) !== undefined), { what: `${spec.n} contents settled`, timeoutMs: phaseTimeoutMs(spec), signal: ctx.signal });
    await s.waitQuiet(mark, QUIET);
    const cost = await s.measure(mark, endAt);
    const backend = await s.newBackendSnapshots();
    const lat = latencies(specs.map((c) => c.name), createdAt, (n) => watch.readyAt(n));
    return { ...fromCost(cost, spec.n, startupCpu), backend_snapshots: backend.size, backend_expected: spec.n, p50_seconds: lat.p50, p99_seconds: lat.p99 };
  } finally {
    await watch.stop();
  }
}

/** W3: N ready contents exist; process start → synced, RSS at rest, then one new content. */
async function resyncWorkload(s: RunSession, spec: WorkloadSpec, ctx: WorkloadContext): Promise<RunBody> {
  const [volume] = await s.createVolumes(1);
  ctx.progress(`seeding ${spec.n} ready contents`);
  const seed0 = performance.now();
  await forEachBounded(
    Array.from({ length: spec.n }, (_, i) => contentName('r', i)),
    SETUP_CONCURRENCY,
    async (name, i) => {
      await createContent(s.kube, { name, volumeHandle: volume ?? '', finalizer: true }, s.world.driverName, ctx.signal);
      await markReady(s.kube, name, `seeded-${name}`, ctx.signal);
      // Minutes at 50k: say how far it got every 10,000.
      if ((i + 1) % 10_000 === 0 && i + 1 < spec.n) ctx.progress(`seeded ${i + 1}/${spec.n} in ${((performance.now() - seed0) / 1000).toFixed(0)} s`);
    },
  );
  const seedSeconds = (performance.now() - seed0) / 1000;
  ctx.progress(`seeded in ${seedSeconds.toFixed(1)} s`);
  const watch = await s.watch();
  try {
    // The phase starts before the process does: start-up and sync are what W3 measures.
    const mark = await s.mark();
    const sync = await s.startSidecar({ syncTimeoutMs: 600_000, settleMs: 3_000 });
    const pid = s.sidecar?.pid ?? 0;
    const rest = sampleProcess(pid);
    ctx.progress(`synced in ${sync.syncSeconds.toFixed(2)} s; creating one new content`);
    const fresh: ContentSpec = { name: 'w3-new', volumeHandle: volume ?? '', finalizer: true };
    await createContent(s.kube, fresh, s.world.driverName, ctx.signal);
    const createdAt = performance.now();
    await watch.until(() => watch.settledAt(fresh.name) !== undefined, { what: 'the new content ready and settled', timeoutMs: 600_000, signal: ctx.signal });
    await s.waitQuiet(mark, QUIET);
    const cost = await s.measure(mark);
    const backend = await s.newBackendSnapshots();
    const newSeconds = ((watch.readyAt(fresh.name) ?? Number.NaN) - createdAt) / 1000;
    return {
      ...fromCost(cost, 1, rest.cpu_seconds),
      seconds: sync.syncSeconds,
      backend_snapshots: backend.size,
      backend_expected: 1,
      sync_seconds: sync.syncSeconds,
      sync_exact: sync.exact,
      rest_rss_mb: rest.rss_mb,
      new_content_seconds: newSeconds,
      seed_seconds: seedSeconds,
    };
  } finally {
    await watch.stop();
  }
}

/** W4: N ready contents with real backend snapshots; first delete → every content gone. */
async function deleteWorkload(s: RunSession, spec: WorkloadSpec, ctx: WorkloadContext): Promise<RunBody> {
  const volumes = await s.createVolumes(VOLUMES);
  const names = Array.from({ length: spec.n }, (_, i) => contentName('d', i));
  const seeder = CsiSnapshotSeeder.open({ endpoint: s.world.csiEndpoint, csiProto: s.world.csiProto });
  const handles = new Map<string, string>();
  try {
    ctx.progress(`seeding ${spec.n} backend snapshots and ready contents (finalizer ${BOUND_PROTECTION})`);
    await forEachBounded(names, SETUP_CONCURRENCY, async (name, i) => {
      const volumeHandle = volumes[i % VOLUMES] ?? '';
      const id = await seeder.createSnapshot({ name: `seed-${name}`, sourceVolumeId: volumeHandle }, ctx.signal);
      handles.set(name, id);
      await createContent(s.kube, { name, volumeHandle, finalizer: true }, s.world.driverName, ctx.signal);
      await markReady(s.kube, name, id, ctx.signal);
    });
  } finally {
    seeder.close();
  }
  const watch = await s.watch();
  try {
    await s.startSidecar({ syncTimeoutMs: 60_000, settleMs: 1_500 });
    const startupCpu = sampleProcess(s.sidecar?.pid ?? 0).cpu_seconds;
    ctx.progress(`deleting ${spec.n} contents`);
    const mark = await s.mark();
    await forEachBounded(names, CREATE_CONCURRENCY, (name) => requestDeletion(s.kube, name, ctx.signal));
    await watch.until(() => names.every((n) => watch.goneAt(n) !== undefined), { what: `${spec.n} contents gone`, timeoutMs: phaseTimeoutMs(spec), signal: ctx.signal });
    const endAt = Math.max(...names.map((n) => watch.goneAt(n) ?? 0));
    await s.waitQuiet(mark, QUIET);
    const cost = await s.measure(mark, endAt);
    const deleted = deletedSnapshotIds(readLines(s.world.driverLog, mark.driver0));
    const listed = await s.newBackendSnapshots();
    const notDeleted = [...handles.values()].filter((id) => !deleted.has(id)).length;
    const stillListed = [...handles.values()].filter((id) => listed.has(id)).length;
    return { ...fromCost(cost, spec.n, startupCpu), backend_snapshots: notDeleted, backend_expected: 0, backend_listed: stillListed };
  } finally {
    await watch.stop();
  }
}

function procedure(name: WorkloadSpec['name']): (s: RunSession, spec: WorkloadSpec, ctx: WorkloadContext) => Promise<RunBody> {
  switch (name) {
    case 'W0':
      return startWorkload;
    case 'W5':
      return failoverWorkload;
    case 'W1':
    case 'W2':
      return createWorkload;
    case 'W3':
      return resyncWorkload;
    case 'W4':
      return deleteWorkload;
  }
}

export async function runWorkload(opts: {
  readonly spec: WorkloadSpec;
  readonly side: RunMeasurement['side'];
  readonly rep: number;
  readonly ctx: WorkloadContext;
}): Promise<RunMeasurement> {
  const { spec, side, rep, ctx } = opts;
  const t0 = performance.now();
  const session = await RunSession.open({ ...ctx, side, flags: spec.flags });
  try {
    const body = await procedure(spec.name)(session, spec, ctx);
    return { side, rep, ...body, wall_seconds: (performance.now() - t0) / 1000 };
  } finally {
    await session.close();
  }
}
