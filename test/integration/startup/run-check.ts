// Runs OUR built sidecar with --check as a real process (bin/csi-snapshotter), optionally as
// another uid/gid/groups through setpriv (as root, permission checks are bypassed, so a socket we
// cannot open needs a non-root process), and returns its exit code, stdout (the report) and
// stderr (the logs).
//
// Run as another user, the sidecar is started from a hard-linked copy of its runtime (bin/, dist/,
// proto/, package.json, node_modules/) in a mode-0755 directory under the system temp dir, never
// from the checkout: a clone inside a mode-0700 home (root's, say) cannot be traversed by uid
// 65532, and setpriv then fails with 126 before our code runs.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, SIDECAR_BIN } from '../../support/sidecar-process.js';

export interface RunAs {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups ([] clears them). */
  readonly groups: readonly number[];
}

export interface CheckRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const RUNTIME_PARTS = ['bin', 'dist', 'proto', 'package.json', 'node_modules'] as const;
let runAsCopy: string | undefined;

/** bin/csi-snapshotter inside a copy of the runtime that any user can reach; made once per test file. */
function sidecarBinForOtherUsers(): string {
  if (runAsCopy === undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidecar-runas-'));
    fs.chmodSync(dir, 0o755);
    for (const part of RUNTIME_PARTS) {
      const from = path.join(REPO, part);
      try {
        execFileSync('cp', ['-al', from, dir], { stdio: 'pipe' }); // same file system: links, no copy
      } catch {
        execFileSync('cp', ['-a', from, dir], { stdio: 'pipe' });
      }
    }
    runAsCopy = dir;
  }
  return path.join(runAsCopy, 'bin/csi-snapshotter');
}

/** Removes the copy made for runs as another user (call from afterAll). */
export function removeRunAsCopy(): void {
  if (runAsCopy !== undefined) fs.rmSync(runAsCopy, { recursive: true, force: true });
  runAsCopy = undefined;
}

export function runCheck(opts: { readonly kubeconfig: string; readonly csiAddress: string; readonly args?: readonly string[]; readonly as?: RunAs; readonly timeoutMs?: number }): Promise<CheckRun> {
  const sidecarArgs = ['--check', `--kubeconfig=${opts.kubeconfig}`, `--csi-address=${opts.csiAddress}`, ...(opts.args ?? [])];
  const [cmd, args] =
    opts.as === undefined
      ? [SIDECAR_BIN, sidecarArgs]
      : [
          'setpriv',
          [
            `--reuid=${opts.as.uid}`,
            `--regid=${opts.as.gid}`,
            opts.as.groups.length === 0 ? '--clear-groups' : `--groups=${opts.as.groups.join(',')}`,
            sidecarBinForOtherUsers(),
            ...sidecarArgs,
          ],
        ];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`--check did not exit within ${opts.timeoutMs ?? 60_000} ms; stderr so far:\n${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15), stdout, stderr });
    });
  });
}

/** The report's lines with a status word, without the leading indentation. */
export function reportLines(stdout: string, status: 'ok' | 'WARNING' | 'PROBLEM' | 'skipped'): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith(`  ${status.padEnd(8)} `))
    .map((l) => l.slice(11));
}
