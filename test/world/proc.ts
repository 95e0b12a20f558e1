// Child processes of the test world: spawn with the log in the run dir, wait for readiness while
// watching for an early exit, and stop only what we started (by pid, after checking its cmdline).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { poll } from '../support/polling.js';
import { WorldError } from './world-error.js';

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly binary: string;
  readonly logPath: string;
  readonly exited: Promise<ExitInfo>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartProcessOptions {
  readonly name: string;
  readonly binary: string;
  readonly args: readonly string[];
  readonly logDir: string;
  readonly env?: Readonly<Record<string, string>>;
}

// Children run in their own process group so a terminal ^C reaches only the launcher, which then
// stops them in dependency order. If the launcher dies without that, this hook still kills them.
const live = new Set<ManagedProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const p of live) if (p.isRunning()) signalIfOwned(p.pid, p.binary, 'SIGKILL');
  });
}

export function startProcess(opts: StartProcessOptions): ManagedProcess {
  fs.mkdirSync(opts.logDir, { recursive: true });
  const logPath = path.join(opts.logDir, `${opts.name}.log`);
  const fd = fs.openSync(logPath, 'a');
  let running = true;
  try {
    const child = spawn(opts.binary, [...opts.args], {
      stdio: ['ignore', fd, fd],
      detached: true,
      env: { ...process.env, ...opts.env },
    });
    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        running = false;
        resolve({ code, signal });
      });
      child.once('error', () => {
        running = false;
        resolve({ code: null, signal: null });
      });
    });
    const pid = child.pid;
    if (pid === undefined) throw new WorldError('start-failed', `${opts.name}: could not spawn ${opts.binary}`);
    const managed: ManagedProcess = {
      name: opts.name,
      pid,
      binary: opts.binary,
      logPath,
      exited,
      isRunning: () => running,
      async stop(graceMs = 5000): Promise<void> {
        if (running) {
          child.kill('SIGTERM');
          const grace = new AbortController();
          const timedOut = await Promise.race([
            exited.then(() => false),
            sleep(graceMs, true, { signal: grace.signal }).catch(() => false),
          ]);
          grace.abort();
          if (timedOut && running) child.kill('SIGKILL');
          await exited;
        }
        live.delete(managed);
      },
    };
    live.add(managed);
    installExitHook();
    return managed;
  } finally {
    fs.closeSync(fd);
  }
}

/** The last `lines` lines of a log file ('' when it does not exist). */
export function logTail(logPath: string, lines = 30): string {
  let text: string;
  try {
    text = fs.readFileSync(logPath, 'utf8');
  } catch {
    return '';
  }
  return text.split('\n').slice(-lines - 1).join('\n');
}

export interface WaitUntilOptions {
  readonly what: string;
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Fail at once (with its log tail) when this process exits while we wait. */
  readonly process?: ManagedProcess;
  readonly signal?: AbortSignal;
}

/** Polls `probe` until it returns true; probe errors count as "not yet". */
export async function waitUntil(probe: (signal: AbortSignal) => Promise<boolean>, opts: WaitUntilOptions): Promise<void> {
  const proc = opts.process;
  const tail = (p: ManagedProcess): string => `last lines of ${p.logPath}:\n${logTail(p.logPath)}`;
  await poll(opts.what, async (signal) => ((await probe(signal)) ? true : undefined), {
    timeoutMs: opts.timeoutMs,
    intervalMs: opts.intervalMs ?? 100,
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    precheck: async () => {
      if (proc === undefined || proc.isRunning()) return;
      const info = await proc.exited;
      throw new WorldError(
        'start-failed',
        `${opts.what}: ${proc.name} exited (code ${info.code}, signal ${info.signal}) before it was ready; ${tail(proc)}`,
      );
    },
    timeoutError: (lastError) =>
      new WorldError('start-timeout', `${opts.what}: not ready after ${opts.timeoutMs} ms${proc ? `; ${tail(proc)}` : ''}`, { cause: lastError }),
  });
}

/** Waits until a process just started is ready (see waitUntil); one that never gets there is stopped. */
export async function readyOrStopped(
  proc: ManagedProcess,
  probe: (signal: AbortSignal) => Promise<boolean>,
  opts: Omit<WaitUntilOptions, 'process'>,
): Promise<void> {
  try {
    await waitUntil(probe, { ...opts, process: proc });
  } catch (err) {
    await proc.stop();
    throw err;
  }
}

/** True when `pid` is alive and was started from `binary` (guards against pid reuse). */
export function ownsPid(pid: number, binary: string): boolean {
  try {
    const argv0 = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    return argv0 === binary;
  } catch {
    return false;
  }
}

function signalIfOwned(pid: number, binary: string, sig: NodeJS.Signals): boolean {
  if (!ownsPid(pid, binary)) return false;
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a listener-owning process and waits for it; a start that fails (typically a port taken
 * between freePort() and bind) is retried with fresh arguments, up to `attempts` times.
 */
export async function startWithRetry<T>(
  attempts: number,
  start: (attempt: number) => Promise<T>,
): Promise<T> {
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await start(attempt);
    } catch (err) {
      if (!(err instanceof WorldError) || err.code !== 'start-failed') throw err;
      last = err;
    }
  }
  throw last;
}
