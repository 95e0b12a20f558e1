// Builds, without Docker, the file tree the Dockerfile's final stage holds at WORKDIR: each of
// its COPY lines is carried out here. Sources from the `deps` stage come from what that stage's
// `npm ci --omit=dev` installs: the lockfile's non-dev packages, copied from the repo's
// node_modules (offline and exact: the same lockfile, the same versions; npm's own rule is that
// --omit=dev drops exactly the entries marked `dev`). Sources from the `build` stage come from
// the repo's dist/ (the same `tsc -p tsconfig.build.json`, run by `npm run build`); context
// sources come from the repo.
import fs from 'node:fs';
import path from 'node:path';
import { copyLines, DockerfileShapeError, finalStage, instructionsOf, stageNamed, workdirOf } from './dockerfile-model.js';
import type { Dockerfile } from './dockerfile-model.js';

export interface RuntimeTree {
  /** Stands for the image's WORKDIR (/app). */
  readonly root: string;
  /** Paths as the image sees them, e.g. `/app/dist/`. */
  readonly copiedTo: readonly string[];
}

export interface AssembleOptions {
  readonly repo: string;
  readonly dockerfile: Dockerfile;
  /** An empty scratch directory; the tree is built in `<dir>/app`. */
  readonly dir: string;
}

/**
 * The `npm ci …` part of the deps stage's RUN line, without the `&& npm cache clean`, which would
 * hit the machine's cache.
 */
export function depsInstallCommand(d: Dockerfile): readonly string[] {
  for (const ins of instructionsOf(stageNamed(d, 'deps'), 'RUN')) {
    const first = (ins.args.split('&&')[0] ?? '').split('||')[0]?.replace(/^\s*\(/, '').trim() ?? '';
    if (first.startsWith('npm ci')) return first.split(/\s+/).slice(1);
  }
  throw new DockerfileShapeError('the deps stage has no `RUN npm ci …`');
}

interface LockEntry {
  readonly dev?: boolean;
}

/** What `npm ci --omit=dev` leaves in node_modules, copied from the repo's full install. */
function installProductionSubset(repo: string, into: string): void {
  const lock = JSON.parse(fs.readFileSync(path.join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key === '' || entry.dev === true) continue;
    const from = path.join(repo, key);
    if (!fs.existsSync(from)) throw new DockerfileShapeError(`${key} is a production package in the lockfile but not installed: run npm ci`);
    // Nested node_modules are entries of their own (and may be dev-only).
    fs.cpSync(from, path.join(into, key), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (src) => !path.relative(from, src).split(path.sep).includes('node_modules'),
    });
  }
}

export function assembleRuntimeTree(opts: AssembleOptions): RuntimeTree {
  const { repo, dockerfile } = opts;
  const installArgs = depsInstallCommand(dockerfile);
  if (!installArgs.includes('--omit=dev')) throw new DockerfileShapeError('the deps stage does not run `npm ci --omit=dev`');
  const depsDir = path.join(opts.dir, 'deps');
  fs.mkdirSync(depsDir);
  for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(repo, f), path.join(depsDir, f));
  installProductionSubset(repo, depsDir);

  // Where each stage's absolute paths live on this machine.
  const stageRoots: Readonly<Record<string, readonly [string, string]>> = {
    deps: [workdirOf(stageNamed(dockerfile, 'deps')), depsDir],
    build: [workdirOf(stageNamed(dockerfile, 'build')), repo],
  };
  const final = finalStage(dockerfile);
  const workdir = workdirOf(final);
  const root = path.join(opts.dir, 'app');
  fs.mkdirSync(root);
  const copiedTo: string[] = [];
  for (const copy of copyLines(final)) {
    for (const source of copy.sources) {
      let local: string;
      if (copy.from === undefined) {
        local = path.join(repo, source);
      } else {
        const mapping = stageRoots[copy.from];
        if (mapping === undefined) throw new DockerfileShapeError(`COPY --from=${copy.from}: no local stand-in for that stage`);
        const [stageRoot, localRoot] = mapping;
        if (!source.startsWith(`${stageRoot}/`)) throw new DockerfileShapeError(`COPY --from=${copy.from} ${source}: outside ${stageRoot}`);
        local = path.join(localRoot, source.slice(stageRoot.length + 1));
        if (copy.from === 'build' && !fs.existsSync(local)) {
          throw new DockerfileShapeError(`COPY --from=build ${source}: ${local} does not exist; run \`npm run build\` first (\`make test\` does)`);
        }
      }
      const dest = path.posix.resolve(workdir, copy.dest);
      if (!dest.startsWith(workdir)) throw new DockerfileShapeError(`COPY to ${dest}: outside WORKDIR ${workdir}`);
      const target = path.join(root, path.posix.relative(workdir, dest));
      fs.cpSync(local, target, { recursive: true, verbatimSymlinks: true });
      copiedTo.push(copy.dest.endsWith('/') ? `${dest}/` : dest);
    }
  }
  return { root, copiedTo };
}
