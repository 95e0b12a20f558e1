// The leader-election record of client-go (resourcelock.LeaderElectionRecord) and its mapping to
// and from a Lease spec. Only the non-coordinated fields: a replace written from a record drops
// preferredHolder/strategy, exactly as client-go's LeaderElectionRecordToLeaseSpec does.

import type { LeaseSpec } from './lease-api.js';

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
