// The Dockerfile as written: hadolint finds nothing, and the runtime stage has the properties an
// operator checks before admitting the image (distroless Node of the pinned major, numeric
// non-root user, exec-form entrypoint running the program itself so upstream `args:` apply).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import { copyLines, entrypointOf, finalStage, instructionsOf, readDockerfile } from './dockerfile-model.js';

const run = promisify(execFile);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DOCKERFILE = path.join(REPO, 'Dockerfile');
const dockerfile = readDockerfile(DOCKERFILE);
const runtime = finalStage(dockerfile);

function hadolintPath(): string {
  const explicit = process.env['HADOLINT'];
  if (explicit) return explicit;
  const home = process.env['HADOLINT_HOME'] || path.join(process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache'), 'csi-snapshotter-tools');
  return path.join(home, 'hadolint-2.15.1', 'bin', 'hadolint');
}

interface HadolintFinding {
  readonly code: string;
  readonly level: string;
  readonly line: number;
  readonly message: string;
}

describe('Dockerfile', () => {
  test('hadolint reports no finding at any level', async () => {
    const bin = hadolintPath();
    if (!fs.existsSync(bin)) throw new Error(`hadolint not found at ${bin}: run \`bash test/image/install-hadolint.sh\` (or set HADOLINT)`);
    // hadolint exits 1 when it finds anything but still prints the findings: show those.
    const stdout = await run(bin, ['--format', 'json', DOCKERFILE], { signal: AbortSignal.timeout(30_000) }).then(
      (r) => r.stdout,
      (err: unknown) => {
        const out = (err as { readonly stdout?: unknown }).stdout;
        if (typeof out === 'string' && out.startsWith('[')) return out;
        throw err;
      },
    );
    const findings = JSON.parse(stdout) as readonly HadolintFinding[];
    expect(findings.map((f) => `${f.line} ${f.code} ${f.level}: ${f.message}`)).toEqual([]);
  });

  test('the runtime base is distroless Node of the same major as the pinned runtime, :nonroot', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const pinnedMajor = (pkg.devDependencies['node'] ?? '').split('.')[0];
    const m = /^gcr\.io\/distroless\/nodejs(\d+)-debian\d+:nonroot(@sha256:[0-9a-f]{64})?$/.exec(runtime.base);
    expect(m?.[1]).toBe(pinnedMajor);
  });

  test('the runtime stage runs as a numeric non-root UID and GID', () => {
    const user = instructionsOf(runtime, 'USER').at(-1)?.args ?? '';
    const m = /^(\d+):(\d+)$/.exec(user);
    expect(m).not.toBeNull();
    expect(Number(m?.[1])).toBeGreaterThan(0);
    expect(Number(m?.[2])).toBeGreaterThan(0);
  });

  test('the entrypoint is the base image node running the bundle in exec form: no shell, no bin/ wrapper', () => {
    const entrypoint = entrypointOf(runtime);
    expect(entrypoint[0]).toBe('/nodejs/bin/node');
    expect(entrypoint.at(-1)).toBe('/app/dist/bundle/csi-snapshotter.mjs');
    // bin/csi-snapshotter (tests, bench) runs the same file.
    expect(fs.readFileSync(path.join(REPO, 'bin/csi-snapshotter'), 'utf8')).toContain('entry="$here/dist/bundle/csi-snapshotter.mjs"');
    // The V8 flags are the ones bin/csi-snapshotter passes, so tests and bench run what the image runs.
    const wrapper = fs.readFileSync(path.join(REPO, 'bin/csi-snapshotter'), 'utf8');
    const flags = /^node_flags=\((.*)\)$/m.exec(wrapper)?.[1]?.split(' ') ?? ['(no node_flags in bin/csi-snapshotter)'];
    expect(entrypoint.slice(1, -1)).toEqual(flags);
    expect(instructionsOf(runtime, 'CMD')).toEqual([]);
    expect(instructionsOf(runtime, 'RUN')).toEqual([]);
  });

  test('the runtime stage copies only package.json, the bundle and proto', () => {
    expect(copyLines(runtime).map((c) => `${c.from ?? 'context'}:${c.sources.join(',')}->${c.dest}`).sort()).toEqual([
      'build:/src/dist/bundle/->./dist/bundle/',
      'context:package.json->./package.json',
      'context:proto/->./proto/',
    ]);
  });

  test('.dockerignore admits every path a COPY from the build context reads, and nothing else', () => {
    const allowed = fs
      .readFileSync(path.join(REPO, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1))
      .sort();
    const read = dockerfile.stages
      .flatMap((s) => copyLines(s))
      .filter((c) => c.from === undefined)
      .flatMap((c) => c.sources)
      .sort();
    expect(allowed).toEqual([...new Set(read)].sort());
  });
});
