// The process front door minus the sidecar itself: parse argv + env, print help / version /
// errors where Go's flag package and upstream main() print them, with their exit codes, and on
// success create the logger and log upstream's "Version" line. src/main.ts wires it to the real
// process; tests drive it with in-memory streams. (An entry point, so unlike the rest of cli/ it
// may reach into observability/ for the logger.)

import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Logger } from '../observability/logger.js';
import { createLogger } from '../observability/winston-logger.js';
import type { Options } from './options.js';
import type { ExitCode, ProgramInfo } from './parse-options.js';
import { DEFAULT_PROGRAM, parseCommandLine } from './parse-options.js';

export interface CliIo {
  readonly stdout: Writable;
  /** Usage, parse errors and every log line. */
  readonly stderr: Writable;
  readonly program?: ProgramInfo;
  /** Pins log timestamps (tests). */
  readonly now?: () => number;
}

export type CliOutcome =
  | { readonly kind: 'exit'; readonly code: ExitCode }
  | { readonly kind: 'run'; readonly options: Options; readonly log: Logger };

export function cliMain(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: CliIo,
): CliOutcome {
  const program = io.program ?? DEFAULT_PROGRAM;
  const cl = parseCommandLine(argv, env, program);
  switch (cl.kind) {
    case 'help':
      io.stderr.write(cl.text);
      return { kind: 'exit', code: cl.exitCode };
    case 'version':
      io.stdout.write(`${cl.text}\n`);
      return { kind: 'exit', code: cl.exitCode };
    case 'error': {
      if (cl.usage !== undefined) {
        io.stderr.write(`${cl.message}\n${cl.usage}`);
      } else {
        const log = createLogger({ v: 0, format: cl.loggingFormat, stream: io.stderr, ...(io.now ? { now: io.now } : {}) });
        log.error(cl.message);
      }
      return { kind: 'exit', code: cl.exitCode };
    }
    case 'run': {
      const { options } = cl;
      const log = createLogger({ v: options.v, format: options.loggingFormat, stream: io.stderr, ...(io.now ? { now: io.now } : {}) });
      log.info('Version', { version: program.version });
      if (cl.ignoredArgs.length > 0) {
        // Go's flag parsing stops at the first non-flag argument (`--leader-election false …`).
        log.warn('Ignoring command-line arguments from the first non-flag argument on', { args: cl.ignoredArgs });
      }
      for (const warning of cl.warnings) log.warn(warning);
      if (options.automaxprocs) log.v(2).info('--automaxprocs has no effect: the Node.js runtime has no GOMAXPROCS');
      if (options.vmodule !== '') log.v(2).info('--vmodule is accepted but per-file verbosity is not implemented', { vmodule: options.vmodule });
      return { kind: 'run', options, log };
    }
  }
}

/**
 * package.json's version, found two directories above `moduleUrl`: src/cli, dist/cli and the
 * bundle's dist/bundle all sit two levels below the root that holds package.json.
 */
export function readPackageVersion(moduleUrl: string | URL = import.meta.url): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', moduleUrl), 'utf8'));
    if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
  } catch {
    // an unreadable package.json leaves the version unknown, as upstream's unset ldflags do
  }
  return 'unknown';
}
