// Drop-in proof: the csi-snapshotter `args:` of upstream's own example and of public CSI drivers'
// manifests (upstream-args.json, with sources) start OUR sidecar against the test world with no
// flag error, and each instance takes a snapshot to readyToUse. Every adjustment to the args is
// listed in the JSON with its reason; an argument dropped there must be one that upstream v8.6.0
// rejects as well (checked here with the world's upstream binary), so no incompatibility hides.
// Needs a running world (TESTWORLD) and a built sidecar (npm run build).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SIDECAR_BIN } from '../../support/sidecar-process.js';
import { loadWorld } from '../../support/world-handle.js';
import type { WorldJson } from '../../support/world-handle.js';
import { CsiAdmin } from '../../world/csi-admin.js';
import { startCsiDriver } from '../../world/csi-driver.js';
import type { CsiDriver } from '../../world/csi-driver.js';
import { createNamespace, createSnapshotFixture, deleteSnapshotFixture, getContent, waitForContent } from '../../world/fixtures.js';
import type { SnapshotFixture } from '../../world/fixtures.js';
import { KubeRest } from '../../world/kube-rest.js';
import { waitUntil } from '../../world/proc.js';

interface ArgSet {
  readonly name: string;
  readonly repo: string;
  readonly path: string;
  readonly commit: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly adjust: {
    readonly podNamespaceEnv?: string;
    readonly drop?: Readonly<Record<string, string>>;
  };
}

interface SetResult {
  readonly argv: readonly string[];
  readonly ready: boolean;
  readonly error: string | undefined;
  readonly exitedEarly: boolean;
  readonly log: string;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SETS = (JSON.parse(fs.readFileSync(path.join(HERE, 'upstream-args.json'), 'utf8')) as { readonly sets: readonly ArgSet[] }).sets;
const READY_TIMEOUT_MS = 40_000;

/** The kubelet's $(VAR) expansion, then the documented adjustments. */
function adjustedArgs(set: ArgSet, opts: { readonly endpoint: string; readonly kubeconfig: string }): readonly string[] {
  const expanded = set.args
    .filter((a) => set.adjust.drop?.[a] === undefined)
    .map((a) => a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => set.env[name] ?? whole));
  const address = /^(--?csi-address=)(.*)$/;
  return [...expanded.map((a) => a.replace(address, `$1${opts.endpoint}`)), `--kubeconfig=${opts.kubeconfig}`];
}

function run(bin: string, args: readonly string[], timeoutMs: number): Promise<{ readonly code: number | null; readonly output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], signal: AbortSignal.timeout(timeoutMs) });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('upstream and public drivers\' csi-snapshotter args run our sidecar unchanged', () => {
  let world: WorldJson;
  let kube: KubeRest;
  let dir: string;
  let namespace: string;
  const results = new Map<string, SetResult>();

  async function runSet(set: ArgSet, index: number): Promise<SetResult> {
    const runDir = fs.mkdtempSync(path.join(dir, `s${index}-`));
    const driverName = `dropin-${index}-${randomBytes(3).toString('hex')}.csi.testworld`;
    let driver: CsiDriver | undefined;
    let csi: CsiAdmin | undefined;
    let fixture: SnapshotFixture | undefined;
    let sidecar: ReturnType<typeof spawn> | undefined;
    let exited: Promise<number | null> | undefined;
    const logFile = path.join(runDir, 'sidecar.log');
    let argv: readonly string[] = [];
    let error: string | undefined;
    let ready = false;
    try {
      driver = await startCsiDriver({ kind: 'hostpath', binary: world.hostpathPlugin, driverName, socketDir: runDir, logDir: runDir, csiProto: world.csiProto, signal: AbortSignal.timeout(20_000) });
      csi = CsiAdmin.open({ endpoint: driver.endpoint, csiProto: world.csiProto });
      argv = adjustedArgs(set, { endpoint: driver.endpoint, kubeconfig: world.kubeconfig });
      const out = fs.openSync(logFile, 'a');
      sidecar = spawn(SIDECAR_BIN, argv, {
        stdio: ['ignore', out, out],
        env: { ...process.env, CSI_SNAPSHOTTER_TERMINATION_LOG: path.join(runDir, 'termination-log'), ...(set.adjust.podNamespaceEnv ? { POD_NAMESPACE: namespace } : {}) },
      });
      fs.closeSync(out);
      const child = sidecar;
      exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
      const signal = AbortSignal.timeout(READY_TIMEOUT_MS);
      fixture = await createSnapshotFixture({ kube, csi, driverName, namespace, signal });
      const content = await waitForContent(kube, fixture, { signal });
      await waitUntil(async (s) => (await getContent(kube, content.metadata.name, s)).status?.readyToUse === true, {
        what: `content of ${set.name} readyToUse`,
        timeoutMs: READY_TIMEOUT_MS,
        intervalMs: 200,
        signal,
      });
      ready = true;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    } finally {
      const exitedEarly = sidecar !== undefined && (sidecar.exitCode !== null || sidecar.signalCode !== null);
      if (sidecar && !exitedEarly) {
        sidecar.kill('SIGTERM');
        const kill = setTimeout(() => sidecar?.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(kill);
      }
      if (fixture) await deleteSnapshotFixture(kube, fixture, AbortSignal.timeout(30_000));
      csi?.close();
      await driver?.process.stop();
      results.set(set.name, { argv, ready, error, exitedEarly, log: fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '' });
    }
    return results.get(set.name) as SetResult;
  }

  beforeAll(async () => {
    world = loadWorld();
    kube = await KubeRest.fromKubeconfig({ kubeconfig: world.kubeconfig, userAgent: 'testworld-integration/drop-in' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'di-'));
    namespace = `dropin-${randomBytes(3).toString('hex')}`;
    await createNamespace(kube, namespace, AbortSignal.timeout(10_000));
    await Promise.all(SETS.map((set, i) => runSet(set, i)));
  }, 120_000);

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the data covers upstream\'s example and at least three public drivers, each naming its source', () => {
    expect(SETS.some((s) => s.repo === 'kubernetes-csi/external-snapshotter')).toBe(true);
    expect(new Set(SETS.filter((s) => s.repo !== 'kubernetes-csi/external-snapshotter').map((s) => s.repo)).size).toBeGreaterThanOrEqual(3);
    for (const s of SETS) expect([s.repo, s.path, s.commit].every((v) => v.length > 0)).toBe(true);
  });

  test.each(SETS.map((s) => [s.name, s] as const))('%s: accepted with no flag error, and a content reaches readyToUse', (name) => {
    const r = results.get(name);
    const details = { argv: r?.argv, error: r?.error, exitedEarly: r?.exitedEarly, log: r?.log.slice(-3000) };
    expect(r?.log ?? '').not.toMatch(/flag provided but not defined|invalid value .* for flag|Usage of csi-snapshotter/);
    expect(r?.ready && !r.exitedEarly ? 'ready' : JSON.stringify(details, null, 1)).toBe('ready');
  });

  test('every argument dropped from a set is one the upstream v8.6.0 binary rejects too', async () => {
    const dropped = SETS.flatMap((s) => Object.keys(s.adjust.drop ?? {}));
    expect(dropped.length).toBeGreaterThan(0);
    for (const arg of dropped) {
      const r = await run(world.upstreamSnapshotter, [arg], 10_000);
      expect({ arg, code: r.code, undefinedFlag: r.output.includes('flag provided but not defined') }).toEqual({ arg, code: 2, undefinedFlag: true });
    }
  });
});
