// src/gen/ is committed output of proto-loader-gen-types. It is only a true description of what
// the loader produces at runtime if it was generated from the current proto/csi.proto with flags
// equal to CSI_LOADER_OPTIONS. This regenerates it (flags derived from the constant) and diffs.
// To refresh after editing the proto: the command in `generatorArgs` below, from the repo root.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CSI_LOADER_OPTIONS } from '../../../src/csi/proto-package.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const GENERATED_DIR = path.join(REPO_ROOT, 'src/gen');

/** proto-loader-gen-types flags that mean the same as CSI_LOADER_OPTIONS. */
function loaderFlags(): string[] {
  const flags: string[] = [];
  for (const [key, value] of Object.entries(CSI_LOADER_OPTIONS)) {
    if (value === true) flags.push(`--${key}`);
    else if (value === String) flags.push(`--${key}=String`);
    else throw new Error(`no generator flag for loader option ${key}`);
  }
  return flags;
}

function generatorArgs(outDir: string): string[] {
  return [
    ...loaderFlags(),
    '--grpcLib=@grpc/grpc-js',
    '--importFileExtension=.js',
    `--outDir=${outDir}`,
    'proto/csi.proto',
  ];
}

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe('src/gen/ is the generator output for proto/csi.proto and CSI_LOADER_OPTIONS', () => {
  let outDir: string;

  beforeAll(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-'));
    const bin = createRequire(import.meta.url).resolve('@grpc/proto-loader/build/bin/proto-loader-gen-types.js');
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, [bin, ...generatorArgs(outDir)], { cwd: REPO_ROOT, timeout: 60_000 }, (err, _out, stderr) =>
        err ? reject(new Error(`proto-loader-gen-types failed: ${stderr || err.message}`)) : resolve(),
      ),
    );
  }, 90_000);

  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  test('the loader options map onto generator flags', () => {
    expect(loaderFlags()).toEqual(['--keepCase', '--longs=String', '--enums=String', '--defaults', '--oneofs']);
  });

  test('regenerating yields the same files', () => {
    expect(listFiles(GENERATED_DIR)).toEqual(listFiles(outDir));
  });

  test('regenerating yields identical contents', () => {
    const differing = listFiles(outDir).filter(
      (file) => fs.readFileSync(path.join(outDir, file), 'utf8') !== fs.readFileSync(path.join(GENERATED_DIR, file), 'utf8'),
    );
    expect(differing).toEqual([]);
  });
});
