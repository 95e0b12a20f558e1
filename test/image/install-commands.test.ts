// The committed lock is one `npm ci` accepts on any platform, and the Makefile and Dockerfile
// install with plain `npm ci` (no `npm install` fallback that could resolve differently).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { instructionsOf, readDockerfile } from './dockerfile-model.js';
import { missingFromLock, npmCommands } from './install-commands.js';
import type { Lock } from './install-commands.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const readLock = (): Lock => JSON.parse(fs.readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as Lock;

describe('package-lock.json', () => {
  test('every dependency of every locked package, every platform\'s optional ones included, has a lock entry', () => {
    expect(missingFromLock(readLock())).toEqual([]);
  });

  test('the check finds an optional package of another platform taken out of the lock (as npm/cli#4828 leaves it)', () => {
    const lock = readLock();
    const swc = lock.packages['node_modules/@swc/core'];
    const other = Object.keys(swc?.optionalDependencies ?? {}).find((n) => n !== `@swc/core-${process.platform}-${process.arch}-gnu`);
    expect(other).toBeDefined();
    const packages = { ...lock.packages };
    delete packages[`node_modules/${other}`];
    expect(missingFromLock({ packages })).toEqual([`node_modules/@swc/core -> ${other}@${swc?.optionalDependencies?.[other ?? ''] ?? ''}`]);
  });

  test('a dependency nested under its parent resolves there, and one nowhere on the path is missing', () => {
    const lock: Lock = {
      packages: {
        '': { dependencies: { a: '1' } },
        'node_modules/a': { dependencies: { b: '2', c: '1' } },
        'node_modules/a/node_modules/b': { optionalDependencies: { c: '1', d: '1' } },
        'node_modules/c': {},
      },
    };
    expect(missingFromLock(lock)).toEqual(['node_modules/a/node_modules/b -> d@1']);
  });
});

describe('install commands', () => {
  const allowed = /^npm (ci|run|cache clean)\b/;

  test('the Makefile installs with plain `npm ci` and nothing else', () => {
    const cmds = npmCommands(fs.readFileSync(path.join(REPO, 'Makefile'), 'utf8'));
    expect(cmds.filter((c) => c.startsWith('npm ci'))).toEqual(['npm ci --no-audit --no-fund']);
    expect(cmds.filter((c) => !allowed.test(c))).toEqual([]);
  });

  test('every Dockerfile RUN that installs is `npm ci` without a fallback', () => {
    const runs = readDockerfile(path.join(REPO, 'Dockerfile')).stages.flatMap((s) => instructionsOf(s, 'RUN').map((r) => r.args));
    const installs = runs.filter((r) => /\bnpm\s/.test(r));
    expect(installs.length).toBeGreaterThanOrEqual(1);
    for (const r of installs) expect(r).not.toContain('||');
    const cmds = installs.flatMap((r) => npmCommands(r));
    // One install, in the build stage: the runtime is the bundle, with no node_modules of its own.
    expect(cmds.filter((c) => c.startsWith('npm ci'))).toEqual(['npm ci --ignore-scripts --no-audit --no-fund']);
    expect(cmds.filter((c) => !allowed.test(c))).toEqual([]);
  });
});
