// Builds, without Docker, the file tree the Dockerfile's final stage holds at WORKDIR: each of
// its COPY lines is carried out here. Sources from the `build` stage come from the repo's dist/
// (the same `tsc` and `node esbuild.config.mjs`, run by `npm run build`); context sources come
// from the repo.
import fs from 'node:fs';
import path from 'node:path';
import { copyLines, DockerfileShapeError, finalStage, stageNamed, workdirOf } from './dockerfile-model.js';
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

export function assembleRuntimeTree(opts: AssembleOptions): RuntimeTree {
  const { repo, dockerfile } = opts;
  // Where each stage's absolute paths live on this machine.
  const stageRoots: Readonly<Record<string, readonly [string, string]>> = {
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
