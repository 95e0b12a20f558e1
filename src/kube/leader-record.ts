// The leader-election record of client-go (resourcelock.LeaderElectionRecord), the records an
// elector writes (claim, renewal, takeover, release: client-go tryAcquireOrRenew's arithmetic) and
// their mapping to and from a Lease. Only the non-coordinated fields: a replace written from a
// record drops preferredHolder/strategy, exactly as client-go's LeaderElectionRecordToLeaseSpec does.

import type { Lease, LeaseSpec } from './lease-api.js';

/** client-go LeaderElectionRecord, with times kept as the MicroTime text ('' when unset). */
export interface LeaderRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: string;
  readonly renewTime: string;
  readonly leaseTransitions: number;
}

export const NO_RECORD: LeaderRecord = { holderIdentity: '', leaseDurationSeconds: 0, acquireTime: '', renewTime: '', leaseTransitions: 0 };

export function recordOf(spec: LeaseSpec | undefined): LeaderRecord {
  return {
    holderIdentity: spec?.holderIdentity ?? '',
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: spec?.acquireTime ?? '',
    renewTime: spec?.renewTime ?? '',
    leaseTransitions: spec?.leaseTransitions ?? 0,
  };
}

export function specOf(r: LeaderRecord): LeaseSpec {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    ...(r.acquireTime !== '' ? { acquireTime: r.acquireTime } : {}),
    ...(r.renewTime !== '' ? { renewTime: r.renewTime } : {}),
    leaseTransitions: r.leaseTransitions,
  };
}

/** What a candidate writes to hold the Lease from `now` (MicroTime text) for `leaseMs`. */
export function claimRecord(identity: string, leaseMs: number, now: string): LeaderRecord {
  return { holderIdentity: identity, leaseDurationSeconds: Math.floor(leaseMs / 1000), acquireTime: now, renewTime: now, leaseTransitions: 0 };
}

/** The holder renewing: the claim's renewTime, the current record's acquireTime and transitions. */
export function renewalOf(current: LeaderRecord, claim: LeaderRecord): LeaderRecord {
  return { ...claim, acquireTime: current.acquireTime, leaseTransitions: current.leaseTransitions };
}

/** A new holder (the Lease was free or expired): one more transition. */
export function takeoverOf(remote: LeaderRecord, claim: LeaderRecord): LeaderRecord {
  return { ...claim, leaseTransitions: remote.leaseTransitions + 1 };
}

/**
 * client-go ReleaseOnCancel: no holder and a one-second lease, so a standby takes over on its
 * next attempt instead of waiting out the lease.
 */
export function releaseOf(remote: LeaderRecord, now: string): LeaderRecord {
  return { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: remote.leaseTransitions };
}

/**
 * The Lease to write: `base` (the object last read or written, whose resourceVersion guards the
 * PUT) with the record as spec and our labels merged over its own; without a base, a new Lease.
 */
export function leaseWithRecord(
  base: Lease | undefined,
  record: LeaderRecord,
  target: { readonly name: string; readonly namespace: string; readonly labels: Readonly<Record<string, string>> },
): Lease {
  const labels = { ...(base?.metadata.labels ?? {}), ...target.labels };
  const hasLabels = Object.keys(labels).length > 0;
  const metadata = base?.metadata ?? { name: target.name, namespace: target.namespace };
  return {
    ...(base ?? {}),
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { ...metadata, ...(hasLabels ? { labels } : {}) },
    spec: specOf(record),
  };
}
