// A complete Options value with upstream defaults, for tests that run the handshake or the
// sidecar against a scripted driver.

import type { Options } from '../../../src/cli/options.js';

export function testOptions(overrides: Partial<Options> = {}): Options {
  return {
    resyncPeriodMs: 15 * 60_000,
    snapshotNamePrefix: 'snapshot',
    snapshotNameUuidLength: -1,
    workerThreads: 10,
    timeoutMs: 5000,
    extraCreateMetadata: false,
    retryIntervalStartMs: 1000,
    retryIntervalMaxMs: 5 * 60_000,
    nodeDeployment: false,
    groupSnapshotNamePrefix: 'groupsnapshot',
    groupSnapshotNameUuidLength: -1,
    featureGates: new Map(),
    version: false,
    kubeconfig: '',
    csiAddress: '/run/csi/socket',
    leaderElection: false,
    leaderElectionNamespace: '',
    leaderElectionLeaseDurationMs: 15_000,
    leaderElectionRenewDeadlineMs: 10_000,
    leaderElectionRetryPeriodMs: 5000,
    leaderElectionLabels: {},
    kubeApiQps: 5,
    kubeApiBurst: 10,
    httpEndpoint: '',
    metricsAddress: '',
    metricsPath: '/metrics',
    automaxprocs: false,
    v: 0,
    vmodule: '',
    loggingFormat: 'text',
    logFlushFrequencyMs: 5000,
    pollIntervalStartMs: 1000,
    pollIntervalMaxMs: 30_000,
    nodeName: undefined,
    podNamespace: undefined,
    kubernetesServiceHost: undefined,
    kubernetesServicePort: undefined,
    terminationLogPath: '/nonexistent/termination-log',
    ...overrides,
  };
}
