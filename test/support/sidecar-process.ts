// Runs OUR sidecar as a real process (bin/csi-snapshotter, the built CLI on the pinned Node) for
// integration and e2e tests: logs to a file, stopped by signal, exit code and termination log
// observable. Tests that claim integration never call the reconciler in-process.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SIDECAR_BIN = path.join(REPO, 'bin/csi-snapshotter');
/** What bin/csi-snapshotter runs: the esbuild bundle, as the image does. */
export const SIDECAR_BUNDLE = 'dist/bundle/csi-snapshotter.mjs';

export interface SidecarProcess {
  readonly process: ChildProcess;
  readonly logFile: string;
  readonly terminationLog: string;
  /** Resolves with the exit code (or 128+signal). */
  readonly exited: Promise<number>;
  log(): string;
  /** SIGTERM, then SIGKILL after graceMs; resolves with the exit code. */
  stop(graceMs?: number): Promise<number>;
  kill(): Promise<number>;
}

export interface StartSidecarOptions {
  readonly kubeconfig: string;
  readonly csiAddress: string;
  readonly dir: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly name?: string;
}

export function startSidecar(opts: StartSidecarOptions): SidecarProcess {
  if (!fs.existsSync(path.join(REPO, SIDECAR_BUNDLE))) {
    throw new Error(`the sidecar is not built (${REPO}/${SIDECAR_BUNDLE} missing): run \`npm run build\` first`);
  }
  fs.mkdirSync(opts.dir, { recursive: true });
  const name = opts.name ?? 'sidecar';
  const logFile = path.join(opts.dir, `${name}.log`);
  const terminationLog = path.join(opts.dir, `${name}.termination-log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(
    SIDECAR_BIN,
    [`--kubeconfig=${opts.kubeconfig}`, `--csi-address=${opts.csiAddress}`, ...(opts.args ?? [])],
    {
      stdio: ['ignore', out, out],
      env: { ...process.env, CSI_SNAPSHOTTER_TERMINATION_LOG: terminationLog, ...(opts.env ?? {}) },
    },
  );
  fs.closeSync(out);
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15)));
  });
  const stopWith = async (sig: NodeJS.Signals, graceMs: number): Promise<number> => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill(sig);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    process: child,
    logFile,
    terminationLog,
    exited,
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    stop: (graceMs = 15_000) => stopWith('SIGTERM', graceMs),
    kill: () => stopWith('SIGKILL', 0),
  };
}
