// From argv + environment to a validated Options, in upstream's order and with upstream's exit
// codes: flag syntax (exit 2, message + usage), logging configuration (1), feature gates (255),
// --version (0), then the start-up checks upstream makes later in main() (or panics on at the
// first snapshot) with its exit codes (1; a missing NODE_NAME is 255, as upstream's klog.Fatal);
// values upstream runs with come back as warnings (./validate-options.ts). Pure: no I/O, the
// caller prints.

import type { BoundFlag, FlagDraft } from './flag-row.js';
import { resolveFeatureGates } from './feature-gates.js';
import { FLAG_TABLE } from './flag-table.js';
import { parseGoFlags } from './go-flag-parser.js';
import type { LoggingFormat, Options } from './options.js';
import { renderUsage } from './usage.js';
import { validateOptions } from './validate-options.js';
import { CodedError } from '../base/coded-error.js';

export interface ProgramInfo {
  readonly name: string;
  readonly version: string;
}

export type ExitCode = 0 | 1 | 2 | 255;

export type CommandLine =
  | {
      readonly kind: 'run';
      readonly options: Options;
      /** Arguments after the first non-flag argument: Go stops there and ignores them silently. */
      readonly ignoredArgs: readonly string[];
      /** Values accepted as upstream accepts them but run differently or risky: log each at start. */
      readonly warnings: readonly string[];
    }
  /** `-h`/`--help`: Go prints usage to stderr and exits 0. */
  | { readonly kind: 'help'; readonly text: string; readonly exitCode: 0 }
  /** `--version`: `<program> <version>` on stdout, exit 0. */
  | { readonly kind: 'version'; readonly text: string; readonly exitCode: 0 }
  | {
      readonly kind: 'error';
      readonly message: string;
      readonly exitCode: Exclude<ExitCode, 0>;
      /** Set for flag-syntax errors: Go prints the message, then this usage, to stderr. */
      readonly usage: string | undefined;
      /** Format to log a validation error in (the requested one when it is valid). */
      readonly loggingFormat: LoggingFormat;
    };

export const DEFAULT_PROGRAM: ProgramInfo = { name: 'csi-snapshotter', version: 'unknown' };

// Compile-time list of every Options key, so a run-time check can prove the table filled them all.
const OPTION_KEYS = {
  resyncPeriodMs: true, snapshotNamePrefix: true, snapshotNameUuidLength: true, workerThreads: true,
  timeoutMs: true, extraCreateMetadata: true, retryIntervalStartMs: true, retryIntervalMaxMs: true,
  nodeDeployment: true, groupSnapshotNamePrefix: true, groupSnapshotNameUuidLength: true, featureGates: true,
  version: true, kubeconfig: true, csiAddress: true, leaderElection: true, leaderElectionNamespace: true,
  leaderElectionLeaseDurationMs: true, leaderElectionRenewDeadlineMs: true, leaderElectionRetryPeriodMs: true,
  leaderElectionLabels: true, kubeApiQps: true, kubeApiBurst: true, httpEndpoint: true, metricsAddress: true,
  metricsPath: true, automaxprocs: true, v: true, vmodule: true, loggingFormat: true, logFlushFrequencyMs: true,
  pollIntervalStartMs: true, pollIntervalMaxMs: true, ambiguousCreateGiveUpMs: true, maxInflightCreates: true, maxInflightDeletes: true, nodeName: true, podNamespace: true,
  kubernetesServiceHost: true, kubernetesServicePort: true, terminationLogPath: true, check: true,
  httpsProxy: true, httpProxy: true, noProxy: true,
} as const satisfies Record<keyof Options, true>;

/** A table row that forgot to fill its Options field: a programming error, not bad input. */
export class IncompleteOptionsError extends CodedError<'incomplete-options'> {
  override readonly name = 'IncompleteOptionsError';
  constructor(message: string) {
    super('incomplete-options', message);
  }
}

function complete(options: Partial<Options>): Options {
  const missing = Object.keys(OPTION_KEYS).filter((k) => !(k in options));
  if (missing.length > 0) throw new IncompleteOptionsError(`flag table left Options fields unset: ${missing.join(', ')}`);
  return options as Options;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function isLoggingFormat(value: string): value is LoggingFormat {
  return value === 'text' || value === 'json';
}

function loggingStage(draft: FlagDraft, flushMs: number): readonly string[] {
  const errors: string[] = [];
  if (!isLoggingFormat(draft.loggingFormat)) {
    errors.push(`invalid --logging-format ${JSON.stringify(draft.loggingFormat)}: must be "text" or "json"`);
  }
  if (!(flushMs > 0)) errors.push(`invalid --log-flush-frequency: must be greater than zero`);
  if (draft.vmoduleSet && draft.loggingFormat !== 'text') {
    errors.push(`--vmodule is only supported with --logging-format=text`);
  }
  for (const flag of draft.alphaLoggingFlagsSet) {
    // Upstream registers these but no flag can enable the LoggingAlphaOptions gate they need.
    errors.push(`--${flag} requires the LoggingAlphaOptions feature, which cannot be enabled: leave it at its default`);
  }
  return errors;
}

export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  program: ProgramInfo = DEFAULT_PROGRAM,
): CommandLine {
  const bound = new Map<string, BoundFlag>(FLAG_TABLE.map((row) => [row.name, row.bind()]));
  const parsed = parseGoFlags(argv, new Map([...bound].map(([name, b]) => [name, b.value])));
  switch (parsed.kind) {
    case 'help':
      return { kind: 'help', text: renderUsage(program.name), exitCode: 0 };
    case 'error':
      return { kind: 'error', message: parsed.message, exitCode: 2, usage: renderUsage(program.name), loggingFormat: 'text' };
    case 'parsed':
      break;
  }

  const draft: FlagDraft = {
    options: {
      nodeName: nonEmpty(env['NODE_NAME']),
      podNamespace: nonEmpty(env['POD_NAMESPACE']),
      kubernetesServiceHost: nonEmpty(env['KUBERNETES_SERVICE_HOST']),
      kubernetesServicePort: nonEmpty(env['KUBERNETES_SERVICE_PORT']),
      httpsProxy: nonEmpty(env['HTTPS_PROXY']) ?? nonEmpty(env['https_proxy']),
      httpProxy: nonEmpty(env['HTTP_PROXY']) ?? nonEmpty(env['http_proxy']),
      noProxy: nonEmpty(env['NO_PROXY']) ?? nonEmpty(env['no_proxy']),
    },
    featureGateSettings: new Map(),
    alphaLoggingFlagsSet: [],
    vmoduleSet: false,
    loggingFormat: 'text',
  };
  for (const b of bound.values()) b.apply(draft);
  const format = draft.loggingFormat;
  const loggingFormat: LoggingFormat = isLoggingFormat(format) ? format : 'text';
  const fail = (exitCode: 1 | 255, errors: readonly string[]): CommandLine => ({
    kind: 'error',
    message: errors.join('; '),
    exitCode,
    usage: undefined,
    loggingFormat,
  });

  const loggingErrors = loggingStage(draft, draft.options.logFlushFrequencyMs ?? 0);
  if (loggingErrors.length > 0) return fail(1, loggingErrors);

  const gates = resolveFeatureGates(draft.featureGateSettings);
  if (gates.kind === 'error') {
    return fail(255, [`Error while parsing feature gates: ${gates.errors.join(', ')} (see --help for the known gates)`]);
  }

  const options = complete({ ...draft.options, featureGates: gates.enabled, loggingFormat });
  if (options.version) return { kind: 'version', text: `${program.name} ${program.version}`, exitCode: 0 };

  const verdict = validateOptions(options, { explicitGates: gates.explicit });
  if (verdict.kind === 'invalid') return fail(verdict.exitCode, verdict.errors);
  return { kind: 'run', options: verdict.options, ignoredArgs: parsed.args, warnings: [...gates.warnings, ...verdict.warnings] };
}
