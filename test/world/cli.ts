// `make world` entry point. `up` builds (cache hit: seconds), starts the world, writes
// <run dir>/world.json and stays in the foreground; SIGINT/SIGTERM tear everything down and remove
// world.json. Usage:
//   node --import ./test/world/register-ts.ts test/world/cli.ts up [--run-dir DIR] [--driver [hostpath:|mock:]NAME]... [--no-build]
// Without --driver: hostpath.csi.k8s.io (csi-driver-host-path) first, then mock.csi.testworld.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readManifest, runBuild } from './manifest.js';
import { startWorld } from './world.js';
import type { World, WorldDriverSpec } from './world.js';

function say(msg: string): void {
  process.stderr.write(`world: ${msg}\n`);
}

/** `NAME` (hostpath), `hostpath:NAME` or `mock:NAME`. */
function parseDriver(arg: string): WorldDriverSpec {
  const m = /^(?:(hostpath|mock):)?(.+)$/.exec(arg);
  if (m === null || m[2] === undefined) throw new Error(`--driver ${arg}: expected [hostpath:|mock:]NAME`);
  return { kind: m[1] === 'mock' ? 'mock' : 'hostpath', driverName: m[2] };
}

async function up(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      'run-dir': { type: 'string' },
      driver: { type: 'string', multiple: true },
      'no-build': { type: 'boolean', default: false },
    },
  });
  const shutdown = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    say(`${sig}: stopping`);
    shutdown.abort(new Error(sig));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const t0 = performance.now();
  if (!values['no-build']) await runBuild({ signal: shutdown.signal });
  const built = performance.now();
  let world: World | undefined;
  try {
    world = await startWorld({
      ...(values['run-dir'] ? { runDir: path.resolve(values['run-dir']) } : {}),
      ...(values.driver ? { drivers: values.driver.map(parseDriver) } : {}),
      manifest: readManifest(),
      signal: shutdown.signal,
      onStep: (step, ms) => say(`${step} ready in ${ms} ms`),
    });
    const file = path.join(world.runDir, 'world.json');
    fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(world.toJson(), null, 2)}\n`);
    fs.renameSync(`${file}.tmp`, file);
    const ms = (a: number, b: number): number => Math.round(b - a);
    say(`up in ${ms(built, performance.now())} ms (build check ${ms(t0, built)} ms); TESTWORLD=${file}`);
    process.stdout.write(`${file}\n`);
    if (!shutdown.signal.aborted) {
      await new Promise<void>((resolve) => shutdown.signal.addEventListener('abort', () => resolve(), { once: true }));
    }
    fs.rmSync(file, { force: true });
    return 0;
  } finally {
    await world?.stop();
    say('stopped');
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up':
      return up(rest);
    default:
      process.stderr.write('usage: cli.ts up [--run-dir DIR] [--driver [hostpath:|mock:]NAME]... [--no-build]\n');
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    say(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  },
);
