// The OFFICIAL csi.proto (CSI spec v1.12.0) for test drivers, from the Go module cache, never our
// own proto/csi.proto: a scripted driver that spoke our subset would agree with our client about a
// mistake in it, and the mistake would hide by being on both ends of the wire. Resolved
// synchronously once per process (ScriptedCsiDriver.create is synchronous): build.sh's manifest
// names it when the test world was built; otherwise `go mod download -json` finds it in (or fetches
// it into) the module cache. Neither available is a loud failure, never a fallback to our proto.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CSI_LOADER_OPTIONS } from '../../src/csi/proto-package.js';
import type { ProtoGrpcType } from '../../src/gen/csi.js';
import { testworldHome } from '../world/manifest.js';

export const CSI_SPEC_MODULE = 'github.com/container-storage-interface/spec';
export const CSI_SPEC_VERSION = 'v1.12.0';

let protoPath: string | undefined;
let pkg: ProtoGrpcType | undefined;

function fromManifest(): string | undefined {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(testworldHome(), 'manifest.json'), 'utf8')) as { csiProto?: unknown };
    const p = manifest.csiProto;
    return typeof p === 'string' && p.includes(`spec@${CSI_SPEC_VERSION}`) && fs.existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

function fromGoModCache(): string {
  const id = `${CSI_SPEC_MODULE}@${CSI_SPEC_VERSION}`;
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'csiproto-'));
  try {
    const out = execFileSync('go', ['mod', 'download', '-json', id], {
      cwd,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, GOFLAGS: '-modcacherw', GOTOOLCHAIN: 'local' },
    });
    const dir = (JSON.parse(out) as { Dir?: string }).Dir;
    const file = dir === undefined ? '' : path.join(dir, 'csi.proto');
    if (!fs.existsSync(file)) throw new Error(`no csi.proto in ${out.trim()}`);
    return file;
  } catch (err) {
    throw new Error(`cannot obtain the official csi.proto (${id}) through \`go mod download\`: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

/** Absolute path of the official csi.proto in the Go module cache. */
export function officialCsiProtoPath(): string {
  protoPath ??= fromManifest() ?? fromGoModCache();
  return protoPath;
}

/**
 * The official csi.v1 package, loaded with the sidecar's loader options so decoded requests have
 * the runtime shape the generated types describe (plus whatever fields our subset leaves out).
 */
export function loadOfficialCsiPackage(): ProtoGrpcType {
  if (pkg === undefined) {
    const definition = protoLoader.loadSync(officialCsiProtoPath(), { ...CSI_LOADER_OPTIONS });
    pkg = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  }
  return pkg;
}
