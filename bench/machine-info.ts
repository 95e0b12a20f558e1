// What the bench ran on: recorded with every result, since timings mean nothing without it.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { Manifest } from '../test/world/manifest.js';
import type { MachineInfo } from './results-schema.js';

/** The Go toolchain the upstream binary was built with (`go version <binary>`), if go is installed. */
function goVersion(binary: string): string | undefined {
  try {
    const out = execFileSync('go', ['version', binary], { encoding: 'utf8', timeout: 10_000 });
    return /\bgo\d+\.\d+(\.\d+)?/.exec(out)?.[0];
  } catch {
    return undefined;
  }
}

export function machineInfo(manifest: Manifest): MachineInfo {
  const go = goVersion(manifest.binaries['csi-snapshotter-upstream']);
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    ...(go ? { go } : {}),
    kernel: `${os.type()} ${os.release()}`,
    k8s: manifest.k8sVersion,
    upstreamSnapshotter: manifest.snapshotterVersion,
    loadavgStart: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}
