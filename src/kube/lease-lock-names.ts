// Where the leader-election Lease lives and who we are in it, with csi-lib-utils' exact rules
// (leaderelection/leader_election.go) so replicas of this sidecar and of upstream's share one
// Lease during a migration: the lock name `external-snapshotter-leader-<driver, "/" → "-">`, the
// sanitizer applied to that name and to the identity, and the namespace fallback chain.

import fs from 'node:fs';
import path from 'node:path';
import { SERVICE_ACCOUNT_DIR } from './kube-config.js';

/** external-snapshotter's lock-name prefix (cmd/csi-snapshotter/main.go). */
export const LEADER_LEASE_PREFIX = 'external-snapshotter-leader';

/**
 * csi-lib-utils sanitizeName: every character outside [a-zA-Z0-9-] becomes '-' (Go's regexp
 * works on runes, hence the `u` flag: one '-' per code point), and a trailing '-' gets an 'X'.
 */
export function sanitizeLockName(name: string): string {
  const out = name.replace(/[^a-zA-Z0-9-]/gu, '-');
  // Upstream indexes name[len-1] and panics on ''; we leave '' alone (callers never pass it).
  return out.endsWith('-') ? `${out}X` : out;
}

/** The lock name before sanitizing (upstream uses this form for the event source component). */
export function leaderLockName(driverName: string): string {
  return `${LEADER_LEASE_PREFIX}-${driverName.replaceAll('/', '-')}`;
}

/** The Lease object's name for `driverName`. */
export function leaderLeaseName(driverName: string): string {
  return sanitizeLockName(leaderLockName(driverName));
}

export interface LeaseNamespaceSources {
  /** --leader-election-namespace. */
  readonly flag: string;
  /** POD_NAMESPACE. */
  readonly podNamespace: string | undefined;
  /** Default SERVICE_ACCOUNT_DIR (tests point it elsewhere). */
  readonly serviceAccountDir?: string;
}

/**
 * The flag, else POD_NAMESPACE, else the service account's namespace file (trimmed), else
 * `default` (csi-lib-utils inClusterNamespace). A missing or unreadable file is not an error.
 */
export function resolveLeaseNamespace(sources: LeaseNamespaceSources): string {
  if (sources.flag !== '') return sources.flag;
  if (sources.podNamespace !== undefined && sources.podNamespace !== '') return sources.podNamespace;
  const file = path.join(sources.serviceAccountDir ?? SERVICE_ACCOUNT_DIR, 'namespace');
  try {
    const ns = fs.readFileSync(file, 'utf8').trim();
    if (ns !== '') return ns;
  } catch {
    // Outside a pod there is no such file: fall through to upstream's default.
  }
  return 'default';
}
