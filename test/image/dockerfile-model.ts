// Reads the repo's Dockerfile into stages and instructions, so the image tests check and
// reproduce what the Dockerfile actually says (its COPY lines, USER, ENTRYPOINT, base images)
// instead of a hand-kept copy of it. Only the syntax this Dockerfile uses is understood: line
// continuations, comments, global ARG defaults in FROM, `FROM image AS name`, exec-form JSON.
import fs from 'node:fs';

export interface Instruction {
  readonly keyword: string;
  /** Everything after the keyword, continuations joined with a space. */
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  /** `AS <name>`, or `#<index>` for an unnamed stage. */
  readonly name: string;
  /** The FROM image with global ARG defaults substituted. */
  readonly base: string;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  readonly stages: readonly Stage[];
}

export class DockerfileShapeError extends Error {
  readonly code = 'DOCKERFILE_SHAPE';
  constructor(message: string) {
    super(message);
    this.name = 'DockerfileShapeError';
  }
}

function logicalLines(text: string): readonly Instruction[] {
  const out: Instruction[] = [];
  let buffer = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const trimmed = raw.trim();
    if (buffer === '' && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (buffer !== '' && trimmed.startsWith('#')) return; // comment inside a continuation
    if (buffer === '') start = i + 1;
    if (trimmed.endsWith('\\')) {
      buffer += `${trimmed.slice(0, -1).trim()} `;
      return;
    }
    const whole = (buffer + trimmed).trim();
    buffer = '';
    const m = /^(\S+)\s*(.*)$/.exec(whole);
    if (m) out.push({ keyword: (m[1] ?? '').toUpperCase(), args: m[2] ?? '', line: start });
  });
  return out;
}

export function parseDockerfile(text: string): Dockerfile {
  const globals = new Map<string, string>();
  const stages: { name: string; base: string; instructions: Instruction[] }[] = [];
  for (const ins of logicalLines(text)) {
    const current = stages[stages.length - 1];
    if (ins.keyword === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new DockerfileShapeError(`line ${ins.line}: cannot read FROM ${ins.args}`);
      const base = (m[1] ?? '').replace(/\$\{(\w+)\}/g, (_all, name: string) => {
        const value = globals.get(name);
        if (value === undefined) throw new DockerfileShapeError(`line ${ins.line}: ARG ${name} has no default`);
        return value;
      });
      stages.push({ name: m[2] ?? `#${stages.length}`, base, instructions: [] });
    } else if (current === undefined) {
      if (ins.keyword !== 'ARG') throw new DockerfileShapeError(`line ${ins.line}: ${ins.keyword} before the first FROM`);
      const m = /^(\w+)=(\S+)$/.exec(ins.args);
      if (m) globals.set(m[1] ?? '', m[2] ?? '');
    } else {
      current.instructions.push(ins);
    }
  }
  return { stages };
}

export function readDockerfile(file: string): Dockerfile {
  return parseDockerfile(fs.readFileSync(file, 'utf8'));
}

export function finalStage(d: Dockerfile): Stage {
  const last = d.stages[d.stages.length - 1];
  if (last === undefined) throw new DockerfileShapeError('the Dockerfile has no stage');
  return last;
}

export function stageNamed(d: Dockerfile, name: string): Stage {
  const stage = d.stages.find((s) => s.name === name);
  if (stage === undefined) throw new DockerfileShapeError(`the Dockerfile has no stage named ${name}`);
  return stage;
}

export function instructionsOf(stage: Stage, keyword: string): readonly Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** The stage's last WORKDIR (Docker's default is /). */
export function workdirOf(stage: Stage): string {
  return instructionsOf(stage, 'WORKDIR').at(-1)?.args ?? '/';
}

export interface CopyLine {
  /** The stage copied from, or undefined for the build context. */
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly dest: string;
  readonly flags: readonly string[];
}

export function copyLines(stage: Stage): readonly CopyLine[] {
  return instructionsOf(stage, 'COPY').map((ins) => {
    const words = ins.args.split(/\s+/);
    const flags = words.filter((w) => w.startsWith('--'));
    const paths = words.filter((w) => !w.startsWith('--'));
    const dest = paths.pop();
    if (dest === undefined || paths.length === 0) throw new DockerfileShapeError(`line ${ins.line}: COPY needs a source and a destination`);
    const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
    return { from, sources: paths, dest, flags };
  });
}

/** ENTRYPOINT in exec form (a JSON array); shell form is an error: the image has no shell. */
export function entrypointOf(stage: Stage): readonly string[] {
  const ins = instructionsOf(stage, 'ENTRYPOINT').at(-1);
  if (ins === undefined) throw new DockerfileShapeError(`stage ${stage.name} has no ENTRYPOINT`);
  let value: unknown;
  try {
    value = JSON.parse(ins.args);
  } catch {
    throw new DockerfileShapeError(`line ${ins.line}: ENTRYPOINT is not in exec (JSON array) form`);
  }
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw new DockerfileShapeError(`line ${ins.line}: ENTRYPOINT is not a JSON array of strings`);
  }
  return value;
}
