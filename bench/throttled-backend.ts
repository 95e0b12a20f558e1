// W6, the throttled backend (issue 16 item 4): N dynamic contents over V source volumes, created at
// once and then deleted at once, against csi-driver-host-path behind a proxy (limited-csi-proxy.ts)
// that answers Aborted when more than L snapshot creates/deletes are in flight or a second one on a
// source volume is. Our sidecar runs once without a limit (upstream's behaviour) and once with
// --max-inflight-creates=L --max-inflight-deletes=L; each run gets a fresh world. The proxy counts
// the calls and the Aborted answers; the bench's own watch times the phases.
//   node_modules/.bin/node --import ./test/world/register-ts.ts bench/throttled-backend.ts \
//     [--n 500] [--volumes 20] [--driver-limit 4] [--delay-ms 100] [--only unlimited|limited|upstream]
//     [--with-upstream] [--out FILE]
// --with-upstream adds a third run: upstream csi-snapshotter v8.6.0 with the same flags (no limit).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CsiAdmin } from '../test/world/csi-admin.js';
import { KubeRest } from '../test/world/kube-rest.js';
import { readManifest } from '../test/world/manifest.js';
import { BenchError } from './bench-error.js';
import { BENCH_DRIVER_LABEL, startBenchWorld } from './bench-world.js';
import { forEachBounded } from './bounded-pool.js';
import { ContentWatch } from './content-watch.js';
import { contentName, createClass, createContent, requestDeletion } from './content-factory.js';
import { LimitedCsiProxy } from './limited-csi-proxy.js';
import { machineInfo } from './machine-info.js';
import { startSidecarUnderTest, waitForSync } from './sidecar-under-test.js';
import { quantile, round } from './stats.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The bench's own client-side concurrency ("at once"). */
const CLIENT_CONCURRENCY = 32;
/** API limits high enough that the apiserver is not the bottleneck. */
const BASE_FLAGS = ['--kube-api-qps=200', '--kube-api-burst=400', '--worker-threads=10'] as const;

interface Args {
  readonly n: number;
  readonly volumes: number;
  readonly driverLimit: number;
  readonly delayMs: number;
  readonly phaseTimeoutMs: number;
  readonly only?: RunName;
  readonly withUpstream: boolean;
  readonly out?: string;
}

type RunName = 'unlimited' | 'limited' | 'upstream';

export interface PhaseResult {
  readonly seconds: number;
  /** Per content: bench write → ready (create) or → gone (delete). */
  readonly p50_seconds: number;
  readonly p99_seconds: number;
  readonly completed: number;
  readonly calls: Readonly<Record<string, { calls: number; aborted: number; failed: number }>>;
  readonly rpc_calls: number;
  readonly aborted: number;
  readonly max_inflight_seen: number;
  readonly error?: string;
}

export interface RunResult {
  readonly name: RunName;
  readonly flags: readonly string[];
  readonly create: PhaseResult;
  readonly delete: PhaseResult;
  readonly wall_seconds: number;
}

function parseArgs(argv: readonly string[]): Args {
  const get = (flag: string): string | undefined => {
    const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    if (i < 0) return undefined;
    const a = argv[i] ?? '';
    return a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[i + 1];
  };
  const num = (flag: string, def: number): number => {
    const v = get(flag);
    const n = v === undefined ? def : Number(v);
    if (!Number.isInteger(n) || n < 1) throw new BenchError('bad-arguments', `${flag} must be a positive integer`);
    return n;
  };
  const only = get('--only');
  if (only !== undefined && only !== 'unlimited' && only !== 'limited' && only !== 'upstream') throw new BenchError('bad-arguments', '--only is unlimited, limited or upstream');
  const out = get('--out');
  return {
    n: num('--n', 500),
    volumes: num('--volumes', 20),
    driverLimit: num('--driver-limit', 4),
    delayMs: num('--delay-ms', 100),
    phaseTimeoutMs: num('--phase-timeout-s', 900) * 1000,
    ...(only !== undefined ? { only } : {}),
    withUpstream: argv.includes('--with-upstream') || only === 'upstream',
    ...(out !== undefined ? { out } : {}),
  };
}

/** The proxy's counts for the snapshot methods (Probe and the like are left out). */
function snapshotCalls(proxy: LimitedCsiProxy): PhaseResult['calls'] {
  const out: Record<string, { calls: number; aborted: number; failed: number }> = {};
  for (const [m, c] of [...proxy.counts.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (/Snapshot/.test(m)) out[m] = { ...c };
  }
  return out;
}

function phase(proxy: LimitedCsiProxy, t0: number, stamps: readonly (number | undefined)[], starts: readonly (number | undefined)[], error?: string): PhaseResult {
  const calls = snapshotCalls(proxy);
  const done = stamps.filter((s): s is number => s !== undefined);
  const lat: number[] = [];
  stamps.forEach((s, i) => {
    const b = starts[i];
    if (s !== undefined && b !== undefined) lat.push((s - b) / 1000);
  });
  const end = done.length > 0 ? Math.max(...done) : performance.now();
  const gated = Object.entries(calls).filter(([m]) => /^(Create|Delete)/.test(m));
  return {
    seconds: round((end - t0) / 1000, 2),
    p50_seconds: round(quantile(lat, 0.5), 2),
    p99_seconds: round(quantile(lat, 0.99), 2),
    completed: done.length,
    calls,
    rpc_calls: gated.reduce((n, [, c]) => n + c.calls, 0),
    aborted: gated.reduce((n, [, c]) => n + c.aborted, 0),
    max_inflight_seen: proxy.maxInflightSeen,
    ...(error !== undefined ? { error } : {}),
  };
}

async function runOnce(name: RunName, args: Args, workDir: string, signal: AbortSignal, log: (m: string) => void): Promise<RunResult> {
  const t0 = performance.now();
  const manifest = readManifest();
  const flags = [...BASE_FLAGS, ...(name === 'limited' ? [`--max-inflight-creates=${args.driverLimit}`, `--max-inflight-deletes=${args.driverLimit}`] : [])];
  const world = await startBenchWorld({ manifest, runDir: path.join(workDir, name), signal });
  const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'w6-'));
  let proxy: LimitedCsiProxy | undefined;
  let csi: CsiAdmin | undefined;
  let watch: ContentWatch | undefined;
  let sidecar: Awaited<ReturnType<typeof startSidecarUnderTest>> | undefined;
  try {
    const kube = await KubeRest.fromKubeconfig({ kubeconfig: world.kubeconfig, userAgent: 'csi-bench/admin' });
    csi = CsiAdmin.open({ endpoint: world.csiEndpoint, csiProto: world.csiProto });
    await createClass(kube, world.driverName, signal);
    const volumes: string[] = [];
    for (let i = 0; i < args.volumes; i++) volumes.push((await csi.createVolume({ name: `w6-vol-${i}` }, signal)).volume_id);
    proxy = await LimitedCsiProxy.start({ csiProto: world.csiProto, target: world.csiEndpoint, socketPath: path.join(socketDir, 'limited.sock'), maxInflight: args.driverLimit, delayMs: args.delayMs });
    watch = await ContentWatch.start({ kubeconfig: world.kubeconfig, signal });
    sidecar = await startSidecarUnderTest({ side: name === 'upstream' ? 'upstream' : 'ours', world: { ...world, csiEndpoint: proxy.endpoint }, upstreamBinary: manifest.binaries['csi-snapshotter-upstream'], flags });
    // Upstream below --v=4 logs its start just before its cache sync: give it longer to settle.
    await waitForSync(sidecar, { flags, timeoutMs: 60_000, settleMs: name === 'upstream' ? 3_000 : 1_000, signal });
    proxy.resetCounts();
    const w = watch;
    const names = Array.from({ length: args.n }, (_, i) => contentName('w6', i));

    log(`${name}: creating ${args.n} contents over ${args.volumes} volumes (driver limit ${args.driverLimit}, +${args.delayMs} ms per call); flags ${flags.join(' ')}`);
    const createdAt: (number | undefined)[] = [];
    const c0 = performance.now();
    await forEachBounded(names, CLIENT_CONCURRENCY, async (n, i) => {
      await createContent(kube, { name: n, volumeHandle: volumes[i % args.volumes] ?? '', finalizer: true }, world.driverName, signal);
      createdAt[i] = performance.now();
    });
    let createError: string | undefined;
    try {
      await w.until(() => names.every((n) => w.settledAt(n) !== undefined), { what: `${args.n} contents ready`, timeoutMs: args.phaseTimeoutMs, signal });
    } catch (err) {
      if (signal.aborted) throw err;
      createError = err instanceof Error ? err.message : String(err);
    }
    const create = phase(proxy, c0, names.map((n) => w.readyAt(n)), createdAt, createError);
    log(`${name}: create ${create.completed}/${args.n} in ${create.seconds} s, ${create.rpc_calls} calls, ${create.aborted} Aborted`);

    proxy.resetCounts();
    const deleteAt: (number | undefined)[] = [];
    const d0 = performance.now();
    await forEachBounded(names, CLIENT_CONCURRENCY, async (n, i) => {
      await requestDeletion(kube, n, signal);
      deleteAt[i] = performance.now();
    });
    let deleteError: string | undefined;
    try {
      await w.until(() => names.every((n) => w.goneAt(n) !== undefined), { what: `${args.n} contents gone`, timeoutMs: args.phaseTimeoutMs, signal });
    } catch (err) {
      if (signal.aborted) throw err;
      deleteError = err instanceof Error ? err.message : String(err);
    }
    const del = phase(proxy, d0, names.map((n) => w.goneAt(n)), deleteAt, deleteError);
    log(`${name}: delete ${del.completed}/${args.n} in ${del.seconds} s, ${del.rpc_calls} calls, ${del.aborted} Aborted`);
    return { name, flags, create, delete: del, wall_seconds: round((performance.now() - t0) / 1000, 1) };
  } finally {
    await sidecar?.process.stop(10_000);
    await watch?.stop();
    await proxy?.close();
    csi?.close();
    await world.stop();
    fs.rmSync(socketDir, { recursive: true, force: true });
  }
}

function renderMarkdown(args: Args, runs: readonly RunResult[], command: string, at: Date): string {
  const row = (r: RunResult, p: 'create' | 'delete'): string => {
    const x = r[p];
    const rpc = p === 'create' ? 'CreateSnapshot' : 'DeleteSnapshot';
    const c = x.calls[rpc] ?? { calls: 0, aborted: 0, failed: 0 };
    return `| ${r.name} | ${p} | ${x.completed}/${args.n} | ${x.seconds} | ${x.p50_seconds} / ${x.p99_seconds} | ${c.calls} | ${c.aborted} | ${x.max_inflight_seen} |${x.error ? ` ${x.error}` : ''}`;
  };
  return [
    `### W6 throttled backend (${at.toISOString().slice(0, 16)}Z)`,
    '',
    `${args.n} VolumeSnapshotContents over ${args.volumes} source volumes, created at once and then deleted at once, against ${BENCH_DRIVER_LABEL} behind \`bench/limited-csi-proxy.ts\`: ` +
      `a create/delete beyond ${args.driverLimit} in flight, or a second one on a source volume, is answered \`Aborted\`; forwarded ones take +${args.delayMs} ms. ` +
      `Our sidecar with \`${BASE_FLAGS.join(' ')}\` (run \`upstream\`: upstream csi-snapshotter v8.6.0 with the same flags), once without a limit (upstream's behaviour) and once with \`--max-inflight-creates=${args.driverLimit} --max-inflight-deletes=${args.driverLimit}\`. Fresh world per run. Machine: ${os.cpus().length} CPUs, load average at start ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}.`,
    '',
    `Command: \`${command}\``,
    '',
    '| run | phase | done | seconds (first write → last done) | p50 / p99 per content (s) | RPC calls | Aborted | max in flight at the driver | error |',
    '|---|---|---|---|---|---|---|---|---|',
    ...runs.flatMap((r) => [row(r, 'create'), row(r, 'delete')]),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  if (!fs.existsSync(path.join(REPO, 'dist/bundle/csi-snapshotter.mjs'))) throw new BenchError('bad-arguments', 'our sidecar is not built: run `npm run build`');
  const ac = new AbortController();
  const onSignal = (): void => ac.abort(new BenchError('timeout', 'interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const log = (m: string): void => void process.stderr.write(`w6: ${m}\n`);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-w6-'));
  const at = new Date();
  const runs: RunResult[] = [];
  for (const name of ['unlimited', 'limited', 'upstream'] as const) {
    if (args.only !== undefined && args.only !== name) continue;
    if (name === 'upstream' && !args.withUpstream) continue;
    runs.push(await runOnce(name, args, workDir, ac.signal, log));
  }
  const command = ['node_modules/.bin/node --import ./test/world/register-ts.ts bench/throttled-backend.ts', ...argv].join(' ');
  const out = args.out ?? path.join(REPO, 'bench/results', `w6-throttled-${at.toISOString().slice(0, 16).replace('T', '-').replace(':', '')}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify({ args, command, at: at.toISOString(), machine: machineInfo(readManifest()), runs }, null, 2)}\n`);
  process.stdout.write(renderMarkdown(args, runs, command, at));
  log(`results ${out}; run dirs under ${workDir}`);
  if (runs.some((r) => r.create.error !== undefined || r.delete.error !== undefined)) process.exitCode = 1;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
