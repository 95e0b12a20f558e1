// THE table of command-line flags: every flag upstream csi-snapshotter v8.6 registers (its own,
// csi-lib-utils standardflags, component-base logging) plus ours, each with its Go kind, default,
// upstream usage text and how it lands in Options. Parsing (./parse-options.ts), `--help`
// (./usage.ts) and the README reference (./flag-reference.ts) are all generated from it, so a flag
// cannot be documented without existing or exist without being documented. This file is the data;
// the row contract and its builders (dur, str, int, bool, scalar, custom) are ./flag-row.ts.

import { alphaLogging, bool, custom, dur, int, scalar, str, type FlagRow } from './flag-row.js';
import {
  boolFuncCodec,
  FeatureGatesFlagValue,
  floatCodec,
  LabelsFlagValue,
  stringCodec,
  verbosityCodec,
  VModuleFlagValue,
} from './flag-values.js';
import { knownFeatureLines } from './feature-gates.js';

const ALPHA_SPLIT = (fmt: string): string =>
  `[Alpha] In ${fmt} format, write error messages to stderr and info messages to stdout. The default is to write a single stream to stdout. Enable the LoggingAlphaOptions feature gate to use this.`;
const ALPHA_BUFFER = (fmt: string): string =>
  `[Alpha] In ${fmt} format with split output streams, the info messages can be buffered for a while to increase performance. The default value of zero bytes disables buffering. The size can be specified as number of bytes (512), multiples of 1000 (1K), multiples of 1024 (2Ki), or powers of those (3M, 4G, 5Mi, 6Gi). Enable the LoggingAlphaOptions feature gate to use this.`;
const SEC = 1000;
const MIN = 60 * SEC;

export const FLAG_TABLE: readonly FlagRow[] = [
  // --- csi-snapshotter (cmd/csi-snapshotter/main.go) ---
  dur('resync-period', 'csi-snapshotter', 15 * MIN, 'Resync interval of the controller. Default is 15 minutes', 'resyncPeriodMs'),
  str('snapshot-name-prefix', 'csi-snapshotter', 'snapshot', 'Prefix to apply to the name of a created snapshot', 'snapshotNamePrefix'),
  int('snapshot-name-uuid-length', 'csi-snapshotter', -1, 'Length in characters for the generated uuid of a created snapshot. Defaults behavior is to NOT truncate.', 'snapshotNameUuidLength'),
  int('worker-threads', 'csi-snapshotter', 10, 'Number of worker threads.', 'workerThreads'),
  dur('timeout', 'csi-snapshotter', MIN, 'The timeout for any RPCs to the CSI driver. Default is 1 minute.', 'timeoutMs'),
  bool('extra-create-metadata', 'csi-snapshotter', 'If set, add snapshot metadata to plugin snapshot requests as parameters.', 'extraCreateMetadata'),
  dur('retry-interval-start', 'csi-snapshotter', SEC, 'Initial retry interval of failed volume snapshot creation or deletion. It doubles with each failure, up to retry-interval-max. Default is 1 second.', 'retryIntervalStartMs'),
  dur('retry-interval-max', 'csi-snapshotter', 5 * MIN, 'Maximum retry interval of failed volume snapshot creation or deletion. Default is 5 minutes.', 'retryIntervalMaxMs'),
  bool('node-deployment', 'csi-snapshotter', 'Enables deploying the sidecar controller together with a CSI driver on nodes to manage snapshots for node-local volumes.', 'nodeDeployment'),
  str('groupsnapshot-name-prefix', 'csi-snapshotter', 'groupsnapshot', 'Prefix to apply to the name of a created group snapshot', 'groupSnapshotNamePrefix'),
  int('groupsnapshot-name-uuid-length', 'csi-snapshotter', -1, 'Length in characters for the generated uuid of a created group snapshot. Defaults behavior is to NOT truncate.', 'groupSnapshotNameUuidLength'),
  custom(
    'feature-gates',
    {
      name: 'feature-gates',
      origin: 'csi-snapshotter',
      option: 'featureGates',
      usage:
        'Comma-seprated list of key=value pairs that describe feature gates for alpha/experimental features. Options are:\n' +
        knownFeatureLines().join('\n'),
    },
    () => {
      const value = new FeatureGatesFlagValue();
      return {
        value,
        // Resolved (AllAlpha/AllBeta, locked gates) into Options.featureGates by parse-options.
        apply: (d) => {
          for (const [k, v] of value.value) d.featureGateSettings.set(k, v);
        },
      };
    },
  ),

  // --- csi-lib-utils standardflags ---
  bool('version', 'csi-lib-utils', 'Show version.', 'version'),
  str('kubeconfig', 'csi-lib-utils', '', 'Absolute path to the kubeconfig file. Required only when running out of cluster.', 'kubeconfig'),
  str('csi-address', 'csi-lib-utils', '/run/csi/socket', 'Address of the CSI driver socket.', 'csiAddress'),
  bool('leader-election', 'csi-lib-utils', 'Enable leader election.', 'leaderElection'),
  str('leader-election-namespace', 'csi-lib-utils', '', 'Namespace where the leader election resource lives. Defaults to the pod namespace if not set.', 'leaderElectionNamespace'),
  dur('leader-election-lease-duration', 'csi-lib-utils', 15 * SEC, 'Duration, in seconds, that non-leader candidates will wait to force acquire leadership. Defaults to 15 seconds.', 'leaderElectionLeaseDurationMs'),
  dur('leader-election-renew-deadline', 'csi-lib-utils', 10 * SEC, 'Duration, in seconds, that the acting leader will retry refreshing leadership before giving up. Defaults to 10 seconds.', 'leaderElectionRenewDeadlineMs'),
  dur('leader-election-retry-period', 'csi-lib-utils', 5 * SEC, 'Duration, in seconds, the LeaderElector clients should wait between tries of actions. Defaults to 5 seconds.', 'leaderElectionRetryPeriodMs'),
  custom(
    'labels',
    {
      name: 'leader-election-labels',
      origin: 'csi-lib-utils',
      option: 'leaderElectionLabels',
      usage:
        "List of labels to add to lease when given replica becomes leader. Formatted as a comma seperated list of key:value labels. Example: 'my-label:my-value,my-second-label:my-second-value'",
    },
    () => {
      const value = new LabelsFlagValue();
      return {
        value,
        apply: (d) => {
          d.options.leaderElectionLabels = Object.fromEntries(value.value);
        },
      };
    },
  ),
  scalar('float', floatCodec, { name: 'kube-api-qps', origin: 'csi-lib-utils', default: 5, option: 'kubeApiQps', usage: 'QPS to use while communicating with the kubernetes apiserver. Defaults to 5.0.' }, (d, v) => {
    d.options.kubeApiQps = v;
  }),
  int('kube-api-burst', 'csi-lib-utils', 10, 'Burst to use while communicating with the kubernetes apiserver. Defaults to 10.', 'kubeApiBurst'),
  str('http-endpoint', 'csi-lib-utils', '', 'The TCP network address where the HTTP server for diagnostics, including metrics and leader election health check, will listen (example: `:8080`). The default is empty string, which means the server is disabled. Only one of `--metrics-address` and `--http-endpoint` can be set.', 'httpEndpoint'),
  str('metrics-address', 'csi-lib-utils', '', '(deprecated) The TCP network address where the prometheus metrics endpoint will listen (example: `:8080`). The default is empty string, which means metrics endpoint is disabled. Only one of `--metrics-address` and `--http-endpoint` can be set.', 'metricsAddress'),
  str('metrics-path', 'csi-lib-utils', '/metrics', 'The HTTP path where prometheus metrics will be exposed. Default is `/metrics`.', 'metricsPath'),
  scalar('bool', boolFuncCodec, { name: 'automaxprocs', origin: 'csi-lib-utils', support: 'ignored', default: false, option: 'automaxprocs', usage: 'automatically set GOMAXPROCS to match Linux container CPU quota' }, (d, v) => {
    d.options.automaxprocs = v;
  }),

  // --- component-base logging (logs/api/v1 addFlags) ---
  // Stored raw: validation turns it into Options.loggingFormat or rejects it (exit 1, as upstream).
  scalar('string', stringCodec, { name: 'logging-format', origin: 'component-base', default: 'text', option: 'loggingFormat', usage: 'Sets the log format. Permitted formats: "json" (gated by LoggingBetaOptions), "text".' }, (d, v) => {
    d.loggingFormat = v;
  }),
  dur('log-flush-frequency', 'component-base', 5 * SEC, 'Maximum number of seconds between log flushes', 'logFlushFrequencyMs'),
  scalar('verbosity', verbosityCodec, { name: 'v', origin: 'component-base', default: 0, option: 'v', usage: 'number for the log level verbosity' }, (d, v) => {
    d.options.v = v;
  }),
  custom(
    'vmodule',
    {
      name: 'vmodule',
      origin: 'component-base',
      support: 'ignored',
      option: 'vmodule',
      usage: 'comma-separated list of pattern=N settings for file-filtered logging (only works for text log format)',
    },
    () => {
      const value = new VModuleFlagValue();
      return {
        value,
        apply: (d) => {
          d.options.vmodule = value.toString();
          d.vmoduleSet = value.items.length > 0;
        },
      };
    },
  ),
  alphaLogging('log-text-split-stream', 'bool', ALPHA_SPLIT('text')),
  alphaLogging('log-text-info-buffer-size', 'quantity', ALPHA_BUFFER('text')),
  alphaLogging('log-json-split-stream', 'bool', ALPHA_SPLIT('JSON')),
  alphaLogging('log-json-info-buffer-size', 'quantity', ALPHA_BUFFER('JSON')),

  // --- ours ---
  dur('poll-interval-start', 'ours', SEC, 'Initial interval between readiness checks of a snapshot the CSI driver reports as not ready to use. It grows 1.5x with each check (with jitter), up to poll-interval-max. Independent of the error back-off (retry-interval-start/max).', 'pollIntervalStartMs'),
  dur('poll-interval-max', 'ours', 30 * SEC, 'Maximum interval between readiness checks of a snapshot that is not ready to use yet.', 'pollIntervalMaxMs'),
  str('termination-log-path', 'ours', '/dev/termination-log', 'File the "Lost connection to CSI driver" message is written to before exiting (the container\'s terminationMessagePath).', 'terminationLogPath'),
  dur('ambiguous-create-give-up', 'ours', 5 * MIN, 'How long after a content\'s deletion was requested a create whose outcome is unknown (the CSI driver answered no final error: Internal, Unknown, DataLoss, a timeout, or the credentials could not be read) may keep the being-created annotation and so block the deletion. The same create is re-issued meanwhile; after this time the annotation is released, a Warning event names the snapshot that may remain on the backend, and csi_snapshotter_possible_orphans_total counts it.', 'ambiguousCreateGiveUpMs'),
  int('max-inflight-creates', 'ours', 0, 'Maximum number of CSI CreateSnapshot and CreateVolumeGroupSnapshot calls in flight at once (0: no limit, as upstream). When this flag or max-inflight-deletes is set, at most one create or delete call per source volume is in flight, and waiting calls are served round-robin over source volumes, deletes before creates. A content waiting for a slot is requeued, not failed.', 'maxInflightCreates'),
  int('max-inflight-deletes', 'ours', 0, 'Maximum number of CSI DeleteSnapshot and DeleteVolumeGroupSnapshot calls in flight at once (0: no limit, as upstream); a separate pool from creates, so deletions always progress. See max-inflight-creates for the per-volume rule.', 'maxInflightDeletes'),
  bool('check', 'ours', 'Check the start-up requirements (snapshot CRDs and their versions, every RBAC verb the sidecar needs via SelfSubjectAccessReview, the CSI socket\'s owner and mode against this process, the CSI driver\'s name and capabilities), print the report to stdout and exit: 0 when nothing is wrong, 1 otherwise. Never starts the controllers or leader election. Without it the same report is logged at start and the sidecar runs as usual.', 'check'),
];

/** Flags in Go's usage order (sorted by name, as flag.VisitAll). */
export function sortedFlagRows(): readonly FlagRow[] {
  return [...FLAG_TABLE].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
