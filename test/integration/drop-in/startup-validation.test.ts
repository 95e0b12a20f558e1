// Issue 13 item 6: start-up validation never refuses what upstream v8.6.0 runs. Each row's argv
// runs through BOTH binaries, upstream's (built by test/world/build.sh) and ours, against the test
// world's apiserver and a CSI driver of this file's own, and both must land in the same outcome
// class: "runs" = still alive RUN_WINDOW_MS after start (past flag parsing, validation and the
// driver handshake, since the driver socket is there), "refused" = exited non-zero before that.
// A row marked `pendingContent` runs against a driver of its own for which the world holds one
// content still to be cut, so upstream derives its snapshot name at once: it panics there on a
// --snapshot-name-uuid-length it cannot slice (and would again after every restart: the crash
// loop we refuse up front).
// Needs a running world (TESTWORLD) and a built sidecar (npm run build).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SIDECAR_BIN } from '../../support/sidecar-process.js';
import { loadWorld } from '../../support/world-handle.js';
import type { WorldJson } from '../../support/world-handle.js';
import { startCsiDriver } from '../../world/csi-driver.js';
import type { CsiDriver } from '../../world/csi-driver.js';
import { KubeRest } from '../../world/kube-rest.js';
import { FEATURE_GATES } from '../../../src/cli/feature-gates.js';

type Outcome = 'runs' | 'refused';

interface Row {
  /** What the row shows (the argv with long values abbreviated). */
  readonly label: string;
  readonly argv: readonly string[];
  readonly expected: Outcome;
  /** Run against the second driver, which has a content waiting for its snapshot. */
  readonly pendingContent?: boolean;
}

interface RunResult {
  readonly outcome: Outcome | 'exited 0';
  readonly code: number | null;
  readonly tail: string;
}

const RUN_WINDOW_MS = 8_000;
const PARALLEL_ROWS = 3;
const p = (n: number): string => 'p'.repeat(n);
const g = (n: number): string => 'g'.repeat(n);

const ROWS: readonly Row[] = [
  { label: '(no flags)', argv: [], expected: 'runs' },
  // What ours refused before issue 13 and upstream runs:
  { label: '--snapshot-name-prefix=<120 bytes> --snapshot-name-uuid-length=4', argv: [`--snapshot-name-prefix=${p(120)}`, '--snapshot-name-uuid-length=4'], expected: 'runs' },
  { label: '--snapshot-name-prefix=<200 bytes>', argv: [`--snapshot-name-prefix=${p(200)}`], expected: 'runs' },
  { label: '--groupsnapshot-name-prefix=', argv: ['--groupsnapshot-name-prefix='], expected: 'runs' },
  { label: '--groupsnapshot-name-prefix=<300 bytes>', argv: [`--groupsnapshot-name-prefix=${g(300)}`], expected: 'runs' },
  { label: '--groupsnapshot-name-prefix= --feature-gates=CSIVolumeGroupSnapshot=false', argv: ['--groupsnapshot-name-prefix=', '--feature-gates=CSIVolumeGroupSnapshot=false'], expected: 'runs' },
  { label: '--groupsnapshot-name-uuid-length=100', argv: ['--groupsnapshot-name-uuid-length=100'], expected: 'runs' },
  { label: '--retry-interval-start=10m', argv: ['--retry-interval-start=10m'], expected: 'runs' },
  { label: '--retry-interval-start=0s', argv: ['--retry-interval-start=0s'], expected: 'runs' },
  { label: '--retry-interval-max=0s', argv: ['--retry-interval-max=0s'], expected: 'runs' },
  { label: '--feature-gates=AllAlpha=true', argv: ['--feature-gates=AllAlpha=true'], expected: 'runs' },
  { label: '--feature-gates=AllBeta=true', argv: ['--feature-gates=AllBeta=true'], expected: 'runs' },
  { label: '--feature-gates=WatchList=false,ComponentStatusz=false,NativeHistograms=true', argv: ['--feature-gates=WatchList=false,ComponentStatusz=false,NativeHistograms=true'], expected: 'runs' },
  { label: '--feature-gates=APIServerTracing=true (GA, locked to true)', argv: ['--feature-gates=APIServerTracing=true'], expected: 'runs' },
  { label: '--feature-gates=KMSv1=true (deprecated)', argv: ['--feature-gates=KMSv1=true'], expected: 'runs' },
  { label: '--resync-period=0', argv: ['--resync-period=0'], expected: 'runs' },
  { label: '--resync-period=-1s', argv: ['--resync-period=-1s'], expected: 'runs' },
  { label: '--worker-threads=0', argv: ['--worker-threads=0'], expected: 'runs' },
  { label: '--kube-api-qps=NaN', argv: ['--kube-api-qps=NaN'], expected: 'runs' },
  { label: '--kube-api-qps=-1 --kube-api-burst=-1 (no client-side limit)', argv: ['--kube-api-qps=-1', '--kube-api-burst=-1'], expected: 'runs' },
  { label: '--kube-api-qps=0 --kube-api-burst=0 (client-go defaults)', argv: ['--kube-api-qps=0', '--kube-api-burst=0'], expected: 'runs' },
  // What both refuse (upstream exits or crash-loops):
  { label: '--feature-gates=NoSuchGate=true', argv: ['--feature-gates=NoSuchGate=true'], expected: 'refused' },
  { label: '--feature-gates=APIServerTracing=false (locked)', argv: ['--feature-gates=APIServerTracing=false'], expected: 'refused' },
  { label: '--snapshot-name-prefix=', argv: ['--snapshot-name-prefix='], expected: 'refused' },
  { label: '--feature-gates=CSIVolumeGroupSnapshot=true --groupsnapshot-name-prefix=', argv: ['--feature-gates=CSIVolumeGroupSnapshot=true', '--groupsnapshot-name-prefix='], expected: 'refused' },
  { label: '--snapshot-name-uuid-length=33 (upstream: panic at the first snapshot name)', argv: ['--snapshot-name-uuid-length=33'], expected: 'refused', pendingContent: true },
  { label: '--timeout=0s', argv: ['--timeout=0s'], expected: 'refused' },
  { label: '--http-endpoint=127.0.0.1:0 --metrics-path=metrics', argv: ['--http-endpoint=127.0.0.1:0', '--metrics-path=metrics'], expected: 'refused' },
  {
    label: '--leader-election --leader-election-lease-duration=5s (below the renew deadline)',
    argv: ['--leader-election', '--leader-election-namespace=default', '--leader-election-lease-duration=5s'],
    expected: 'refused',
  },
  { label: '--kube-api-burst=-1', argv: ['--kube-api-burst=-1'], expected: 'refused' },
  { label: '--kube-api-burst=0', argv: ['--kube-api-burst=0'], expected: 'refused' },
  { label: '--node-deployment (no NODE_NAME)', argv: ['--node-deployment'], expected: 'refused' },
  { label: '--metrics-address=:1 --http-endpoint=:2', argv: ['--metrics-address=127.0.0.1:0', '--http-endpoint=127.0.0.1:0'], expected: 'refused' },
];

/** Runs one binary for at most RUN_WINDOW_MS: refused if it exits non-zero in that time, runs if alive. */
function classify(bin: string, args: readonly string[], env: NodeJS.ProcessEnv, logFile: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(logFile, 'w');
    const child = spawn(bin, args, { stdio: ['ignore', out, out], env });
    fs.closeSync(out);
    let alive = true;
    const tail = (): string => fs.readFileSync(logFile, 'utf8').slice(-1500);
    const timer = setTimeout(() => {
      if (!alive) return;
      child.kill('SIGKILL');
    }, RUN_WINDOW_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      alive = false;
      clearTimeout(timer);
      if (signal === 'SIGKILL' && code === null) resolve({ outcome: 'runs', code, tail: tail() });
      else resolve({ outcome: code === 0 ? 'exited 0' : 'refused', code, tail: tail() });
    });
  });
}

describe('start-up validation: whatever upstream v8.6.0 keeps running, ours keeps running (and both refuse the rest)', () => {
  let world: WorldJson;
  let kube: KubeRest;
  let dir: string;
  let driver: CsiDriver | undefined;
  let pendingDriver: CsiDriver | undefined;
  const id = randomBytes(3).toString('hex');
  const driverName = `startup-${id}.csi.testworld`;
  const pendingDriverName = `startup-pending-${id}.csi.testworld`;
  const className = `startup-pending-${id}`;
  const contentName = `startup-pending-${id}`;
  const results = new Map<string, { readonly upstream: RunResult; readonly ours: RunResult }>();

  beforeAll(async () => {
    world = loadWorld();
    if (!fs.existsSync(world.upstreamSnapshotter)) throw new Error(`upstream csi-snapshotter not built at ${world.upstreamSnapshotter}: run bash test/world/build.sh`);
    kube = await KubeRest.fromKubeconfig({ kubeconfig: world.kubeconfig, userAgent: 'testworld-integration/startup-validation' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-'));
    const signal = AbortSignal.timeout(20_000);
    const start = (name: string): Promise<CsiDriver> =>
      startCsiDriver({ binary: world.csiMockDriver, driverName: name, socketDir: dir, logDir: dir, csiProto: world.csiProto, signal });
    [driver, pendingDriver] = await Promise.all([start(driverName), start(pendingDriverName)]);
    await kube.create(
      '/apis/snapshot.storage.k8s.io/v1/volumesnapshotclasses',
      { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name: className }, driver: pendingDriverName, deletionPolicy: 'Retain' },
      signal,
    );
    await kube.create(
      '/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents',
      {
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshotContent',
        metadata: { name: contentName },
        spec: {
          driver: pendingDriverName,
          deletionPolicy: 'Retain',
          volumeSnapshotClassName: className,
          source: { volumeHandle: 'vol-1' },
          volumeSnapshotRef: { name: 'nowhere', namespace: 'default', uid: '6a9c8a5e-0d7b-4a4e-9a59-1f0c4d2b7e11' },
        },
      },
      signal,
    );
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['NODE_NAME'];
    delete env['POD_NAMESPACE'];
    const endpoints = { shared: driver.endpoint, pending: pendingDriver.endpoint };
    const queue = ROWS.map((row, i) => ({ row, i }));
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const { row, i } = next;
        const endpoint = row.pendingContent === true ? endpoints.pending : endpoints.shared;
        const args = [...row.argv, `--csi-address=${endpoint}`, `--kubeconfig=${world.kubeconfig}`];
        const [upstream, ours] = await Promise.all([
          classify(world.upstreamSnapshotter, args, env, path.join(dir, `${i}-upstream.log`)),
          classify(SIDECAR_BIN, [...args, `--termination-log-path=${path.join(dir, `${i}-termination-log`)}`], env, path.join(dir, `${i}-ours.log`)),
        ]);
        results.set(row.label, { upstream, ours });
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_ROWS }, () => worker()));
    const table = ROWS.map((r) => `| ${r.label} | ${results.get(r.label)?.upstream.outcome} (${results.get(r.label)?.upstream.code}) | ${results.get(r.label)?.ours.outcome} (${results.get(r.label)?.ours.code}) |`);
    fs.writeFileSync(path.join(os.tmpdir(), 'startup-validation-table.md'), ['| argv | upstream v8.6.0 (exit) | ours (exit) |', '|---|---|---|', ...table].join('\n') + '\n');
  }, 300_000);

  afterAll(async () => {
    const signal = AbortSignal.timeout(20_000);
    if (kube) {
      await kube.delete(`/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/${contentName}`, signal).catch(() => undefined);
      await kube.delete(`/apis/snapshot.storage.k8s.io/v1/volumesnapshotclasses/${className}`, signal).catch(() => undefined);
    }
    await Promise.all([driver?.process.stop(), pendingDriver?.process.stop()]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  test.each(ROWS.map((r) => [r.expected, r.label, r] as const))('[%s] %s', (_expected, label, row) => {
    const r = results.get(label);
    const got = { upstream: r?.upstream.outcome, ours: r?.ours.outcome };
    const want = { upstream: row.expected, ours: row.expected };
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      expect({ ...got, upstreamTail: r?.upstream.tail, oursTail: r?.ours.tail }).toEqual(want);
    }
    expect(got).toEqual(want);
  });
});

describe('--feature-gates knows exactly the gates upstream v8.6.0 knows', () => {
  let upstreamBin: string;
  beforeAll(() => {
    upstreamBin = loadWorld().upstreamSnapshotter;
  });
  /** Gates parse before --version, so `--feature-gates=… --version` exits 0 or 255 at once. */
  const exitCodes = (gates: string): { upstream: number | null; ours: number | null } => {
    const args = [`--feature-gates=${gates}`, '--version'];
    return { upstream: spawnSync(upstreamBin, args).status, ours: spawnSync(SIDECAR_BIN, args).status };
  };
  const helpGates = (bin: string): string[] => {
    const text = spawnSync(bin, ['--help'], { encoding: 'utf8' }).stderr;
    return text.split('\n').filter((l) => /^\s+\t\w+=true\|false \(/.test(l)).map((l) => l.trim());
  };

  test('--help lists the same gates with the same stage and default (but our CSIVolumeGroupSnapshot default)', () => {
    const upstream = helpGates(upstreamBin).map((l) => l.replace('CSIVolumeGroupSnapshot=true|false (BETA - default=false)', 'CSIVolumeGroupSnapshot=true|false (BETA - default=true)'));
    expect(upstream.length).toBeGreaterThan(30);
    expect(helpGates(SIDECAR_BIN)).toEqual(upstream);
  });

  test('every gate at its default is accepted by both; every gate flipped is accepted unless locked', () => {
    expect(exitCodes(FEATURE_GATES.map((g) => `${g.name}=${String(g.default)}`).join(','))).toEqual({ upstream: 0, ours: 0 });
    const unlocked = FEATURE_GATES.filter((g) => !g.locked);
    expect(exitCodes(unlocked.map((g) => `${g.name}=${String(!g.default)}`).join(','))).toEqual({ upstream: 0, ours: 0 });
    const locked = FEATURE_GATES.filter((g) => g.locked);
    expect(locked.length).toBeGreaterThan(5);
    for (const g of locked) expect({ gate: g.name, ...exitCodes(`${g.name}=${String(!g.default)}`) }).toEqual({ gate: g.name, upstream: 255, ours: 255 });
  });
});
