// Locates a Go module's source tree through the Go module cache (`go mod download -json`), so
// tests can compare our files against upstream ones without vendoring them. Runs in a throwaway
// dir with GOTOOLCHAIN=local (never download a toolchain) and -modcacherw (a read-only cache
// would make the temp-dir cleanup of other tools fail). Failures throw with the reason: a test
// that needs the module must fail loudly, never skip.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface GoModuleSource {
  readonly path: string;
  readonly version: string;
  /** Extracted source tree in the module cache (read it, never write it). */
  readonly dir: string;
}

export class GoModuleUnavailableError extends Error {
  readonly code = 'GoModuleUnavailable';
  constructor(module: string, reason: string) {
    super(`cannot obtain Go module ${module} through \`go mod download\`: ${reason}`);
    this.name = 'GoModuleUnavailableError';
  }
}

interface DownloadJson {
  readonly Path?: string;
  readonly Version?: string;
  readonly Dir?: string;
  readonly Error?: string;
}

function run(cwd: string, args: readonly string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      'go',
      [...args],
      {
        cwd,
        timeout: timeoutMs,
        env: { ...process.env, GOFLAGS: '-modcacherw', GOTOOLCHAIN: 'local' },
        maxBuffer: 1 << 20,
      },
      (err, stdout, stderr) => (err ? reject(Object.assign(err, { stdout, stderr })) : resolve({ stdout, stderr })),
    );
  });
}

/** `go mod download -json module@version`; resolves with the module's source dir. */
export async function downloadGoModule(module: string, version: string, timeoutMs = 120_000): Promise<GoModuleSource> {
  const id = `${module}@${version}`;
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'gomod-'));
  try {
    let stdout: string;
    try {
      ({ stdout } = await run(cwd, ['mod', 'download', '-json', id], timeoutMs));
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
      if (e.code === 'ENOENT') throw new GoModuleUnavailableError(id, '`go` is not on PATH');
      // With -json, go reports module errors in the JSON on stdout and exits 1.
      const reported = (() => {
        try {
          return (JSON.parse(e.stdout ?? '') as DownloadJson).Error;
        } catch {
          return undefined;
        }
      })();
      throw new GoModuleUnavailableError(id, reported ?? (e.stderr?.trim() || e.message));
    }
    const info = JSON.parse(stdout) as DownloadJson;
    if (info.Error) throw new GoModuleUnavailableError(id, info.Error);
    if (!info.Dir || !fs.existsSync(info.Dir)) throw new GoModuleUnavailableError(id, `no source dir in ${stdout.trim()}`);
    return { path: info.Path ?? module, version: info.Version ?? version, dir: info.Dir };
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}
