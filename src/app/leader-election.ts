// --leader-election for the sidecar (csi-lib-utils RunWithLeaderElection): the Lease name,
// namespace and identity by upstream's rules, a DEDICATED API client with its own QPS bucket
// (same --kube-api-qps/--kube-api-burst) so a throttled controller never starves renewals
// (upstream #343), the leader_election_master_status gauge and the /healthz/leader-election check.
//
// Shutdown differs from upstream on purpose: the Lease is released (holderIdentity '',
// leaseDurationSeconds 1) after in-flight work has finished on SIGTERM/SIGINT whatever the
// ReleaseLeaderElectionOnExit gate says (the gate is accepted for flag compatibility), so a standby
// takes over within one retry period instead of a full lease duration (upstream #1323). A LOST
// Lease is never released: someone else may hold it already.

import os from 'node:os';
import type { Clock } from '../base/clock.js';
import type { Options } from '../cli/options.js';
import { KubeTransport } from '../kube/kube-transport.js';
import { LeaderElector, type RenewOutcome } from '../kube/leader-elector.js';
import { KubeLeaseApi } from '../kube/lease-api.js';
import { leaderLeaseName, resolveLeaseNamespace, sanitizeLockName } from '../kube/lease-lock-names.js';
import type { Logger } from '../observability/logger.js';
import { loadApiClientConfig } from './api-client-config.js';

/** csi-lib-utils DefaultHealthCheckTimeout: how long past the lease duration a leader may go unrenewed. */
export const LEADER_HEALTH_TOLERANCE_MS = 20_000;

export interface LeaderElectionDeps {
  readonly options: Options;
  readonly log: Logger;
  readonly clock: Clock;
  readonly driverName: string;
  readonly version: string;
  /** leader_election_master_status{name}. */
  readonly setLeader: (leaseName: string, isLeader: boolean) => void;
  /** Default os.hostname (upstream's identity). */
  readonly hostname?: () => string;
  /** Where the service account's `namespace` file is (tests). */
  readonly serviceAccountDir?: string;
}

export interface SidecarLeaderElection {
  readonly leaseName: string;
  readonly namespace: string;
  readonly identity: string;
  /**
   * Waits until this replica leads (true) or `signal` aborts first (false). Once leading, renews
   * in the background; `onLost` runs once if a renewal misses the renew deadline.
   */
  lead(signal: AbortSignal, onLost: () => void): Promise<boolean>;
  /** True between acquiring and stopping/losing. */
  leading(): boolean;
  /** For /healthz/leader-election: an error text, or undefined when healthy. */
  check(): string | undefined;
  /** Stops renewing, releases the Lease if we still hold it (not after a loss), closes the client. */
  close(): Promise<void>;
}

export function createLeaderElection(deps: LeaderElectionDeps): SidecarLeaderElection {
  const { options, log, clock } = deps;
  const leaseName = leaderLeaseName(deps.driverName);
  const namespace = resolveLeaseNamespace({
    flag: options.leaderElectionNamespace,
    podNamespace: options.podNamespace,
    ...(deps.serviceAccountDir !== undefined ? { serviceAccountDir: deps.serviceAccountDir } : {}),
  });
  const identity = sanitizeLockName((deps.hostname ?? os.hostname)());
  const kubeConfig = loadApiClientConfig({ options, version: deps.version, clock });
  // A request that outlives the renew deadline is worthless to the election.
  const transport = new KubeTransport({ kubeConfig, clock, logger: log, requestTimeoutMs: options.leaderElectionRenewDeadlineMs });
  const elector = new LeaderElector({
    api: new KubeLeaseApi({ transport, namespace, name: leaseName }),
    name: leaseName,
    namespace,
    identity,
    labels: options.leaderElectionLabels,
    leaseDurationMs: options.leaderElectionLeaseDurationMs,
    renewDeadlineMs: options.leaderElectionRenewDeadlineMs,
    retryPeriodMs: options.leaderElectionRetryPeriodMs,
    clock,
    logger: log,
    onLeaderChange: (isLeader) => deps.setLeader(leaseName, isLeader),
  });
  deps.setLeader(leaseName, false);
  log.info('Leader election enabled', { lease: `${namespace}/${leaseName}`, identity });

  const stopRenewing = new AbortController();
  let renewing: Promise<RenewOutcome> | undefined;
  let isLeading = false;
  let closed: Promise<void> | undefined;

  return {
    leaseName,
    namespace,
    identity,
    async lead(signal, onLost) {
      const acquired = await elector.acquire(signal);
      if (!acquired) return false;
      log.v(2).info('became leader, starting');
      isLeading = true;
      renewing = elector.renew(stopRenewing.signal).then((outcome) => {
        isLeading = false;
        if (outcome === 'lost') {
          log.error('Stopped leading', { lease: `${namespace}/${leaseName}` });
          onLost();
        }
        return outcome;
      });
      return true;
    },
    leading: () => isLeading,
    check: () => elector.check(LEADER_HEALTH_TOLERANCE_MS),
    close() {
      // Never rejects: the rest of shutdown (HTTP server, CSI connection) must still run.
      closed ??= (async () => {
        stopRenewing.abort(new Error('shutting down'));
        const outcome = await renewing;
        if (outcome === 'stopped' || (outcome === undefined && elector.isLeader())) await elector.release();
        await kubeConfig.close();
      })().catch((err: unknown) => log.error('Failed to shut down leader election', { err }));
      return closed;
    },
  };
}
