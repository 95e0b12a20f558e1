// Where build.sh caches the world's binaries and how the launcher finds them: the manifest.json
// build.sh writes, the build itself, and the upstream CRD directory (read at launch, never copied).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorldError } from './world-error.js';

export const BINARY_NAMES = [
  'kube-apiserver',
  'kubectl',
  'etcd',
  'csi-mock-driver',
  'hostpathplugin',
  'snapshot-controller',
  'csi-snapshotter-upstream',
] as const;
export type BinaryName = (typeof BINARY_NAMES)[number];

export interface Manifest {
  readonly k8sVersion: string;
  readonly snapshotterVersion: string;
  readonly csiProto: string;
  readonly binaries: Readonly<Record<BinaryName, string>>;
}

const WORLD_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(WORLD_DIR, '..', '..');
const BUILD_SCRIPT = path.join(WORLD_DIR, 'build.sh');

/** Same rule as build.sh: TESTWORLD_HOME, else $XDG_CACHE_HOME or ~/.cache. */
export function testworldHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env['TESTWORLD_HOME']) return env['TESTWORLD_HOME'];
  const cache = env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache');
  return path.join(cache, 'csi-snapshotter-testworld');
}

/** The upstream CRDs: $CSI_SNAPSHOTTER_CRD_DIR, else <repo root>/../shared/upstream/crd. */
export function crdDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['CSI_SNAPSHOTTER_CRD_DIR'] || path.resolve(REPO_ROOT, '..', 'shared', 'upstream', 'crd');
}

export function readManifest(home: string = testworldHome()): Manifest {
  const file = path.join(home, 'manifest.json');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch (err) {
    throw new WorldError('manifest-missing', `cannot read ${file}: run test/world/build.sh first`, { cause: err });
  }
  for (const name of BINARY_NAMES) {
    if (typeof manifest.binaries[name] !== 'string') {
      throw new WorldError('manifest-missing', `${file} lists no ${name} binary (written by an older build.sh?): rerun test/world/build.sh of this checkout`);
    }
  }
  for (const [name, bin] of Object.entries(manifest.binaries)) {
    if (!fs.existsSync(bin)) throw new WorldError('manifest-missing', `${file}: ${name} binary ${bin} is gone: rerun test/world/build.sh`);
  }
  return manifest;
}

/** Runs build.sh (a cache hit takes seconds); its progress goes to our stderr. */
export function runBuild(opts: { readonly signal: AbortSignal; readonly env?: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: opts.env ?? process.env,
      signal: opts.signal,
    });
    child.once('error', (err) => reject(new WorldError('build-failed', `cannot run ${BUILD_SCRIPT}`, { cause: err })));
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new WorldError('build-failed', `${BUILD_SCRIPT} exited with code ${code} (see its output above)`)),
    );
  });
}
