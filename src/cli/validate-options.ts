// Start-up checks on a parsed Options. The rule (README "Start-up validation"): we refuse to start
// only where upstream v8.6.0 exits or crash-loops on the same flags, with upstream's exit code, and
// we may refuse earlier than upstream does (before dialing the driver, or before the first
// snapshot where upstream panics). Everything upstream keeps running, we run too; where upstream
// would run badly (a hot retry loop, no workers, every API request failing) we run with a safe
// value instead and say so in a warning. Flags of our own (--poll-interval-*) are checked freely:
// no upstream argv contains them.

import type { Options } from './options.js';
import { FEATURE_GATE_GROUP_SNAPSHOT } from './options.js';

export type OptionsVerdict =
  | { readonly kind: 'valid'; readonly options: Options; readonly warnings: readonly string[] }
  | { readonly kind: 'invalid'; readonly exitCode: 1 | 255; readonly errors: readonly string[] };

export interface ValidationContext {
  /** Feature gates whose value came from --feature-gates rather than from the default. */
  readonly explicitGates: ReadonlySet<string>;
}

/** CSI object names (snapshot and group snapshot names) should stay within 128 bytes. */
export const CSI_NAME_MAX_BYTES = 128;
/** A full Kubernetes UID with dashes is 36 characters. */
const UID_LENGTH = 36;
/** A UID without dashes is 32 hex characters: the most a truncated name can keep. */
const UID_HEX_LENGTH = 32;
/** client-go leaderelection's JitterFactor: RenewDeadline must exceed RetryPeriod × 1.2. */
const LEADER_ELECTION_JITTER = 1.2;
/** Upstream's defaults, used where upstream's own handling of a value would spin. */
const DEFAULT_RETRY_INTERVAL_START_MS = 1000;
const DEFAULT_RETRY_INTERVAL_MAX_MS = 5 * 60_000;
/** client-go's minimumResyncPeriod (src/queue/resync.ts applies it). */
const MIN_RESYNC_PERIOD_MS = 1000;

type MutableOptions = { -readonly [K in keyof Options]: Options[K] };

/** Upstream slices the dash-less UID with [0:n]: anything outside -1..32 panics at the first name. */
function uuidLengthError(flag: string, n: number): string | undefined {
  if (n === -1 || (Number.isInteger(n) && n >= 0 && n <= UID_HEX_LENGTH)) return undefined;
  return `--${flag}=${n} is out of range: use -1 (the full UID) or 0..${UID_HEX_LENGTH} (characters of the UID without dashes); upstream panics at the first snapshot name`;
}

/** A long name is the driver's to accept or refuse (upstream does not check it): a warning. */
function nameLengthWarning(flag: string, prefix: string, uuidLength: number): string | undefined {
  const bytes = Buffer.byteLength(prefix, 'utf8') + 1 + (uuidLength === -1 ? UID_LENGTH : uuidLength);
  if (bytes <= CSI_NAME_MAX_BYTES) return undefined;
  return `--${flag} makes names of ${bytes} bytes, over the ${CSI_NAME_MAX_BYTES}-byte CSI name limit: drivers may refuse them; use a shorter prefix or a --${flag.replace('-prefix', '-uuid-length')}`;
}

/** Checks upstream exits on; each found problem is an error. */
function refusals(o: Options, groupExplicit: boolean): string[] {
  const errors: (string | undefined)[] = [];
  // Upstream: "Snapshot name prefix cannot be of length 0", exit 1 (after the driver probe).
  if (o.snapshotNamePrefix.length === 0) errors.push('--snapshot-name-prefix must not be empty');
  errors.push(uuidLengthError('snapshot-name-uuid-length', o.snapshotNameUuidLength));
  if (groupExplicit) {
    if (o.groupSnapshotNamePrefix.length === 0) errors.push('--groupsnapshot-name-prefix must not be empty with CSIVolumeGroupSnapshot enabled');
    errors.push(uuidLengthError('groupsnapshot-name-uuid-length', o.groupSnapshotNameUuidLength));
  }
  // Upstream's GetDriverName runs under --timeout: 0 or less fails at once, exit 1.
  if (!(o.timeoutMs > 0)) errors.push('--timeout must be greater than zero (e.g. 1m)');
  // Ours: upstream has no such flags, so no upstream argv is refused here.
  if (o.ambiguousCreateGiveUpMs < 0) errors.push('--ambiguous-create-give-up must not be negative (0 gives up after the first unresolved attempt)');
  if (o.maxInflightCreates < 0) errors.push(`--max-inflight-creates must not be negative (got ${o.maxInflightCreates}); 0 means no limit`);
  if (o.maxInflightDeletes < 0) errors.push(`--max-inflight-deletes must not be negative (got ${o.maxInflightDeletes}); 0 means no limit`);
  if (!(o.pollIntervalStartMs > 0)) errors.push('--poll-interval-start must be greater than zero');
  if (!(o.pollIntervalMaxMs > 0)) errors.push('--poll-interval-max must be greater than zero');
  if (o.pollIntervalStartMs > 0 && o.pollIntervalMaxMs > 0 && o.pollIntervalStartMs > o.pollIntervalMaxMs) {
    errors.push('--poll-interval-start must not exceed --poll-interval-max');
  }
  // client-go's NewForConfig: a positive QPS (as float32) needs a positive burst; upstream exits 1.
  if (Math.fround(o.kubeApiQps) > 0 && o.kubeApiBurst <= 0) {
    errors.push(`--kube-api-burst must be greater than 0 when --kube-api-qps is greater than 0 (got ${o.kubeApiBurst})`);
  }
  // Go's ServeMux panics on a pattern without a leading "/" (upstream crashes at start).
  if ((o.httpEndpoint !== '' || o.metricsAddress !== '') && !o.metricsPath.startsWith('/')) {
    errors.push(`--metrics-path must start with "/" (got ${JSON.stringify(o.metricsPath)})`);
  }
  if (o.leaderElection) {
    // client-go's NewLeaderElector rejects these; csi-lib-utils exits 1.
    const lease = o.leaderElectionLeaseDurationMs;
    const renew = o.leaderElectionRenewDeadlineMs;
    const retry = o.leaderElectionRetryPeriodMs;
    if (!(lease > 0 && renew > 0 && retry > 0)) {
      errors.push('--leader-election-lease-duration, --leader-election-renew-deadline and --leader-election-retry-period must be greater than zero');
    } else {
      if (lease <= renew) errors.push('--leader-election-lease-duration must be greater than --leader-election-renew-deadline');
      if (renew <= LEADER_ELECTION_JITTER * retry) {
        errors.push('--leader-election-renew-deadline must be greater than 1.2 × --leader-election-retry-period');
      }
    }
  }
  return errors.filter((e): e is string => e !== undefined);
}

/** Values upstream runs with (some badly): the value we run with instead, and why. */
function adjustments(o: MutableOptions, groupExplicit: boolean): string[] {
  const warnings: (string | undefined)[] = [];
  if (o.featureGates.get(FEATURE_GATE_GROUP_SNAPSHOT) === true && !groupExplicit) {
    // On only by our default (upstream v8.6.0 defaults it off and then ignores the group flags).
    const problem =
      o.groupSnapshotNamePrefix.length === 0
        ? '--groupsnapshot-name-prefix is empty'
        : uuidLengthError('groupsnapshot-name-uuid-length', o.groupSnapshotNameUuidLength);
    if (problem !== undefined) {
      const gates = new Map(o.featureGates);
      gates.set(FEATURE_GATE_GROUP_SNAPSHOT, false);
      o.featureGates = gates;
      warnings.push(`${problem}: group snapshot support is off (as upstream v8.6.0's default); fix the flag to enable it`);
    }
  }
  warnings.push(nameLengthWarning('snapshot-name-prefix', o.snapshotNamePrefix, o.snapshotNameUuidLength));
  if (o.featureGates.get(FEATURE_GATE_GROUP_SNAPSHOT) === true) {
    warnings.push(nameLengthWarning('groupsnapshot-name-prefix', o.groupSnapshotNamePrefix, o.groupSnapshotNameUuidLength));
  }
  if (o.workerThreads < 1) {
    warnings.push(`--worker-threads=${o.workerThreads} would process nothing (upstream starts no worker and never deletes a snapshot): using 1`);
    o.workerThreads = 1;
  }
  if (o.resyncPeriodMs < 0) {
    warnings.push(`--resync-period is negative (upstream then resyncs in a busy loop): resyncing every ${MIN_RESYNC_PERIOD_MS / 1000}s instead; use 0 to disable resync`);
  } else if (o.resyncPeriodMs > 0 && o.resyncPeriodMs < MIN_RESYNC_PERIOD_MS) {
    warnings.push(`--resync-period below 1s is raised to 1s, as client-go does`);
  }
  if (!(o.retryIntervalStartMs > 0)) {
    warnings.push(`--retry-interval-start is not positive (upstream then retries failures without delay): using ${DEFAULT_RETRY_INTERVAL_START_MS / 1000}s`);
    o.retryIntervalStartMs = DEFAULT_RETRY_INTERVAL_START_MS;
  }
  if (!(o.retryIntervalMaxMs > 0)) {
    warnings.push(`--retry-interval-max is not positive (upstream then retries failures without delay): using ${DEFAULT_RETRY_INTERVAL_MAX_MS / 60_000}m`);
    o.retryIntervalMaxMs = DEFAULT_RETRY_INTERVAL_MAX_MS;
  }
  if (o.retryIntervalStartMs > o.retryIntervalMaxMs) {
    warnings.push('--retry-interval-start exceeds --retry-interval-max: every retry waits --retry-interval-max (as upstream)');
  }
  // client-go: a QPS of NaN or below 0 means no client-side limit (and the burst is unused), as in
  // src/base/token-bucket.ts; 0 means the defaults 5 and 10.
  return warnings.filter((w): w is string => w !== undefined);
}

export function validateOptions(o: Options, context: ValidationContext = { explicitGates: new Set() }): OptionsVerdict {
  if (o.nodeDeployment && o.leaderElection) {
    return { kind: 'invalid', exitCode: 1, errors: ['Leader election cannot happen when node-deployment is set to true'] };
  }
  if (o.nodeDeployment && o.nodeName === undefined) {
    return { kind: 'invalid', exitCode: 255, errors: ['The NODE_NAME environment variable must be set when using --node-deployment.'] };
  }
  if (o.metricsAddress !== '' && o.httpEndpoint !== '') {
    return { kind: 'invalid', exitCode: 1, errors: ['only one of `--metrics-address` and `--http-endpoint` can be set.'] };
  }
  const groupExplicit = o.featureGates.get(FEATURE_GATE_GROUP_SNAPSHOT) === true && context.explicitGates.has(FEATURE_GATE_GROUP_SNAPSHOT);
  const errors = refusals(o, groupExplicit);
  if (errors.length > 0) return { kind: 'invalid', exitCode: 1, errors };
  const options: MutableOptions = { ...o };
  const warnings = adjustments(options, groupExplicit);
  return { kind: 'valid', options, warnings };
}
