// Start-up checks on a parsed Options, in upstream main()'s order where upstream has them, then
// ours. Upstream finds several of these only after connecting to the driver, or never (a
// --snapshot-name-uuid-length above 32 panics at the first snapshot); we refuse to start instead.
// Every message names the flag and what would be valid.

import type { Options } from './options.js';

export type OptionsVerdict =
  | { readonly kind: 'valid' }
  | { readonly kind: 'invalid'; readonly exitCode: 1 | 255; readonly errors: readonly string[] };

/** CSI object names (snapshot and group snapshot names) are limited to 128 bytes. */
export const CSI_NAME_MAX_BYTES = 128;
/** `<prefix>-<uid>`: a full Kubernetes UID with dashes is 36 characters. */
const UID_LENGTH = 36;
/** A UID without dashes is 32 hex characters: the most a truncated name can keep. */
const UID_HEX_LENGTH = 32;
/** client-go leaderelection's JitterFactor: RenewDeadline must exceed RetryPeriod × 1.2. */
const LEADER_ELECTION_JITTER = 1.2;

function checkPrefix(flag: string, prefix: string): string | undefined {
  if (prefix.length === 0) return `--${flag} must not be empty`;
  const bytes = Buffer.byteLength(prefix, 'utf8');
  if (bytes + 1 + UID_LENGTH > CSI_NAME_MAX_BYTES) {
    return `--${flag} is ${bytes} bytes; at most ${CSI_NAME_MAX_BYTES - 1 - UID_LENGTH} bytes fit, because "<prefix>-<36-character UID>" must stay within the ${CSI_NAME_MAX_BYTES}-byte CSI name limit`;
  }
  return undefined;
}

function checkUuidLength(flag: string, n: number): string | undefined {
  if (n === -1 || (Number.isInteger(n) && n >= 0 && n <= UID_HEX_LENGTH)) return undefined;
  return `--${flag}=${n} is out of range: use -1 (the full UID) or 0..${UID_HEX_LENGTH} (characters of the UID without dashes)`;
}

function checkInterval(start: { flag: string; ms: number }, max: { flag: string; ms: number }): string[] {
  const errors: string[] = [];
  if (!(start.ms > 0)) errors.push(`--${start.flag} must be greater than zero`);
  if (!(max.ms > 0)) errors.push(`--${max.flag} must be greater than zero`);
  if (start.ms > 0 && max.ms > 0 && start.ms > max.ms) {
    errors.push(`--${start.flag} must not exceed --${max.flag}`);
  }
  return errors;
}

function ours(o: Options): string[] {
  const errors: (string | undefined)[] = [
    checkUuidLength('snapshot-name-uuid-length', o.snapshotNameUuidLength),
    checkUuidLength('groupsnapshot-name-uuid-length', o.groupSnapshotNameUuidLength),
    checkPrefix('snapshot-name-prefix', o.snapshotNamePrefix),
    checkPrefix('groupsnapshot-name-prefix', o.groupSnapshotNamePrefix),
  ];
  if (o.workerThreads < 1) errors.push(`--worker-threads must be at least 1 (got ${o.workerThreads})`);
  if (!(o.timeoutMs > 0)) errors.push('--timeout must be greater than zero (e.g. 1m)');
  if (o.ambiguousCreateGiveUpMs < 0) errors.push('--ambiguous-create-give-up must not be negative (0 gives up after the first unresolved attempt)');
  if (o.resyncPeriodMs < 0) errors.push('--resync-period must not be negative (0 disables resync)');
  errors.push(
    ...checkInterval({ flag: 'retry-interval-start', ms: o.retryIntervalStartMs }, { flag: 'retry-interval-max', ms: o.retryIntervalMaxMs }),
    ...checkInterval({ flag: 'poll-interval-start', ms: o.pollIntervalStartMs }, { flag: 'poll-interval-max', ms: o.pollIntervalMaxMs }),
  );
  // client-go semantics are kept as given: qps 0 → 5, qps < 0 → no client-side limit, burst 0 → 10.
  if (Number.isNaN(o.kubeApiQps)) errors.push('--kube-api-qps must be a number (0 means the client-go default of 5)');
  if (o.kubeApiBurst < 0) errors.push('--kube-api-burst must not be negative (0 means the client-go default of 10)');
  if ((o.httpEndpoint !== '' || o.metricsAddress !== '') && !o.metricsPath.startsWith('/')) {
    errors.push(`--metrics-path must start with "/" (got ${JSON.stringify(o.metricsPath)})`);
  }
  if (o.leaderElection) {
    // client-go's NewLeaderElector rejects these too, but only once leader election starts.
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

export function validateOptions(o: Options): OptionsVerdict {
  if (o.nodeDeployment && o.leaderElection) {
    return { kind: 'invalid', exitCode: 1, errors: ['Leader election cannot happen when node-deployment is set to true'] };
  }
  if (o.nodeDeployment && o.nodeName === undefined) {
    return { kind: 'invalid', exitCode: 255, errors: ['The NODE_NAME environment variable must be set when using --node-deployment.'] };
  }
  if (o.metricsAddress !== '' && o.httpEndpoint !== '') {
    return { kind: 'invalid', exitCode: 1, errors: ['only one of `--metrics-address` and `--http-endpoint` can be set.'] };
  }
  const errors = ours(o);
  return errors.length > 0 ? { kind: 'invalid', exitCode: 1, errors } : { kind: 'valid' };
}
