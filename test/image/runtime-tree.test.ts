// The image's runtime file tree, rebuilt here from the Dockerfile's own COPY lines (see
// runtime-tree.ts) and run the way the image's ENTRYPOINT runs it: Node 24 on the esbuild bundle,
// from a read-only tree, as UID/GID 65532 when this test runs as root. Proves the tree is
// complete (help, version, start-up) and holds no node_modules at all: the bundle carries the
// production dependencies, so neither a devDependency nor the `node` npm package can reach it.
// Everything the image user runs or reads (tree, Node binary, socket directory) sits in a
// scratch directory under the system temp dir, never in the checkout: a clone inside a
// mode-0700 home directory is one UID 65532 cannot traverse.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { entrypointOf, finalStage, instructionsOf, readDockerfile, workdirOf } from './dockerfile-model.js';
import { assembleRuntimeTree } from './runtime-tree.js';
import type { RuntimeTree } from './runtime-tree.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The pinned Node 24 in the checkout; `node24` is the copy the image user runs. */
const NODE24 = fs.realpathSync(path.join(REPO, 'node_modules/.bin/node'));
const dockerfile = readDockerfile(path.join(REPO, 'Dockerfile'));
const runtime = finalStage(dockerfile);
const [imageUid, imageGid] = (instructionsOf(runtime, 'USER').at(-1)?.args ?? '').split(':').map(Number);
/** Root can switch to the image's user; anyone else runs the tree as themselves. */
const asImageUser = process.getuid?.() === 0 && imageUid !== undefined && imageGid !== undefined;

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let scratch: string;
let tree: RuntimeTree;
/** Stands in for the base image's /nodejs/bin/node. */
let node24: string;

/** Runs the image's ENTRYPOINT with args, paths under WORKDIR mapped into the tree. */
function runImage(args: readonly string[], timeoutMs: number): Promise<Ran> {
  const workdir = workdirOf(runtime);
  const [, ...rest] = entrypointOf(runtime);
  const argv = rest.map((a) => (a.startsWith(`${workdir}/`) ? path.join(tree.root, a.slice(workdir.length + 1)) : a));
  return runNode([...argv, ...args], timeoutMs);
}

/** The image's node with `argv`, as the image user, in the tree. */
function runNode(argv: readonly string[], timeoutMs: number): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(node24, argv, {
      cwd: tree.root,
      // Nothing from the developer's environment: no NODE_OPTIONS, no npm PATH.
      env: { HOME: '/nonexistent', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: AbortSignal.timeout(timeoutMs),
      ...(asImageUser ? { uid: imageUid, gid: imageGid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The first directory on the way to `target` that a process with `uid`/`gid` (and no
 * supplementary group) cannot search, or undefined when every one can be.
 */
function untraversable(target: string, uid: number, gid: number): string | undefined {
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i += 1) {
    const dir = path.sep + parts.slice(0, i).join(path.sep);
    const st = fs.statSync(dir);
    const bit = st.uid === uid ? 0o100 : st.gid === gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return dir;
  }
  return undefined;
}

/** A hard link when the scratch directory shares the checkout's file system, else a copy. */
function placeNode(into: string): string {
  const bin = path.join(into, 'nodejs/bin/node');
  fs.mkdirSync(path.dirname(bin), { recursive: true, mode: 0o755 });
  try {
    fs.linkSync(NODE24, bin);
  } catch {
    fs.copyFileSync(NODE24, bin);
  }
  fs.chmodSync(bin, 0o755);
  return bin;
}

function chmodTree(dir: string, mode: 'read-only' | 'writable'): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = path.join(entry.parentPath, entry.name);
    if (entry.isSymbolicLink()) continue;
    const current = fs.statSync(p).mode & 0o777;
    fs.chmodSync(p, mode === 'read-only' ? current & 0o555 : current | 0o200);
  }
}

describe('runtime tree of the image, rebuilt from the Dockerfile', () => {
  let missingSocketRun: Promise<Ran>;
  let socketDir: string;

  beforeAll(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'img-'));
    fs.chmodSync(scratch, 0o755); // readable by the image's non-root UID
    if (asImageUser) {
      const blocked = untraversable(scratch, imageUid, imageGid);
      if (blocked !== undefined) {
        throw new Error(
          `the image's user ${imageUid}:${imageGid} cannot search ${blocked}, on the way to the scratch directory ${scratch}: ` +
            'set TMPDIR to a directory every user can reach (e.g. TMPDIR=/tmp) and run the image suite again',
        );
      }
      node24 = placeNode(scratch);
    } else {
      node24 = NODE24;
    }
    tree = assembleRuntimeTree({ repo: REPO, dockerfile, dir: scratch });
    // readOnlyRootFilesystem: the tree is read-only and owned by root, as COPY leaves it.
    chmodTree(tree.root, 'read-only');
    socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'imgs-'));
    fs.chmodSync(socketDir, 0o755);
    // Upstream gives the dial 30 s; start it now so it runs alongside the other checks.
    missingSocketRun = runImage([`--csi-address=${socketDir}/csi.sock`, '--kubeconfig=/nonexistent/kubeconfig'], 60_000);
  }, 60_000);

  afterAll(async () => {
    await missingSocketRun?.catch(() => undefined);
    if (tree) chmodTree(tree.root, 'writable');
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    if (socketDir) fs.rmSync(socketDir, { recursive: true, force: true });
  });

  test('the image user runs nothing from the checkout, which it may not be able to reach', () => {
    expect(asImageUser ? path.relative(REPO, node24).startsWith('..') : node24 === NODE24).toBe(true);
    const closed = fs.mkdtempSync(path.join(scratch, 'closed-'));
    fs.chmodSync(closed, 0o700);
    try {
      expect(untraversable(path.join(closed, 'repo'), 65532, 65532)).toBe(closed);
      expect(untraversable(scratch, 65532, 65532)).toBeUndefined();
    } finally {
      fs.rmSync(closed, { recursive: true });
    }
  });

  test('holds exactly package.json, the bundle and proto at WORKDIR, and no node_modules', () => {
    expect(fs.readdirSync(tree.root).sort()).toEqual(['dist', 'package.json', 'proto']);
    expect(fs.readdirSync(path.join(tree.root, 'dist'))).toEqual(['bundle']);
    expect(fs.existsSync(path.join(tree.root, 'dist/bundle/csi-snapshotter.mjs'))).toBe(true);
    expect(fs.existsSync(path.join(tree.root, 'proto/csi.proto'))).toBe(true);
    const all = fs.readdirSync(tree.root, { recursive: true }).map(String);
    expect(all.filter((p) => p.split(path.sep).includes('node_modules'))).toEqual([]);
  });

  test('the runtime (everything at WORKDIR) is under 10 MB', () => {
    let bytes = 0;
    for (const e of fs.readdirSync(tree.root, { withFileTypes: true, recursive: true })) {
      if (e.isFile()) bytes += fs.statSync(path.join(e.parentPath, e.name)).size;
    }
    expect(bytes).toBeLessThan(10 * 1000 * 1000);
  });

  test('every chunk the bundle loads on demand (exec and OIDC credential plugins) imports from the tree alone', async () => {
    const bundleDir = path.join(tree.root, 'dist/bundle');
    const chunks = fs.readdirSync(bundleDir).filter((f) => f.endsWith('.mjs') && f !== 'csi-snapshotter.mjs');
    expect(chunks.some((f) => f.startsWith('oidc_auth-'))).toBe(true);
    for (const chunk of chunks) {
      const url = pathToFileURL(path.join(bundleDir, chunk)).href;
      const r = await runNode(['--input-type=module', '-e', `await import(${JSON.stringify(url)}); console.log('loaded')`], 30_000);
      expect({ chunk, code: r.code, out: r.stdout.trim(), err: r.stderr }).toEqual({ chunk, code: 0, out: 'loaded', err: '' });
    }
  }, 60_000);

  test('--help prints the flag usage and exits 0', async () => {
    const r = await runImage(['--help'], 30_000);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toContain('-csi-address');
  });

  test('--version prints the package version and exits 0', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    const r = await runImage(['--version'], 30_000);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`csi-snapshotter ${pkg.version}`);
  });

  test('against a missing CSI socket it exits 1 naming the missing socket', async () => {
    const r = await missingSocketRun;
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).toContain(`socket ${socketDir}/csi.sock does not exist`);
  }, 70_000);
});
