// The validated configuration of one sidecar process: every upstream csi-snapshotter v8.6 flag
// (sidecar, csi-lib-utils standardflags, component-base logging) plus ours, and the environment
// variables upstream reads. Produced only by the flag table in ./flag-table.ts; the rest of the
// program reads Options and never process.argv or process.env.

export type LoggingFormat = 'text' | 'json';

export interface Options {
  // --- csi-snapshotter's own flags ---
  readonly resyncPeriodMs: number; // --resync-period (15m)
  readonly snapshotNamePrefix: string; // --snapshot-name-prefix (snapshot)
  readonly snapshotNameUuidLength: number; // --snapshot-name-uuid-length (-1)
  readonly workerThreads: number; // --worker-threads (10)
  readonly timeoutMs: number; // --timeout (1m)
  readonly extraCreateMetadata: boolean; // --extra-create-metadata (false)
  readonly retryIntervalStartMs: number; // --retry-interval-start (1s)
  readonly retryIntervalMaxMs: number; // --retry-interval-max (5m)
  readonly nodeDeployment: boolean; // --node-deployment (false)
  readonly groupSnapshotNamePrefix: string; // --groupsnapshot-name-prefix (groupsnapshot)
  readonly groupSnapshotNameUuidLength: number; // --groupsnapshot-name-uuid-length (-1)
  readonly featureGates: ReadonlyMap<string, boolean>; // --feature-gates (CSIVolumeGroupSnapshot, ReleaseLeaderElectionOnExit)

  // --- csi-lib-utils standardflags ---
  readonly version: boolean; // --version
  readonly kubeconfig: string; // --kubeconfig ("" = in-cluster)
  readonly csiAddress: string; // --csi-address (/run/csi/socket)
  readonly leaderElection: boolean; // --leader-election
  readonly leaderElectionNamespace: string; // --leader-election-namespace
  readonly leaderElectionLeaseDurationMs: number; // 15s
  readonly leaderElectionRenewDeadlineMs: number; // 10s
  readonly leaderElectionRetryPeriodMs: number; // 5s
  readonly leaderElectionLabels: Readonly<Record<string, string>>; // k:v,k:v (accumulates)
  readonly kubeApiQps: number; // --kube-api-qps (5)
  readonly kubeApiBurst: number; // --kube-api-burst (10)
  readonly httpEndpoint: string; // --http-endpoint
  readonly metricsAddress: string; // --metrics-address (deprecated)
  readonly metricsPath: string; // --metrics-path (/metrics)
  readonly automaxprocs: boolean; // accepted and ignored (Go runtime only)

  // --- component-base logging flags ---
  readonly v: number; // -v / --v (0)
  readonly vmodule: string; // accepted; per-file verbosity is not implemented
  readonly loggingFormat: LoggingFormat; // --logging-format (text)
  readonly logFlushFrequencyMs: number; // --log-flush-frequency (5s)

  // --- ours (beyond upstream) ---
  /** First delay of the readiness poll for a snapshot the driver reports not ready (--poll-interval-start, 1s). */
  readonly pollIntervalStartMs: number;
  /** Cap of the readiness poll delay (--poll-interval-max, 30s); independent of error back-off. */
  readonly pollIntervalMaxMs: number;
  /** How long an unresolved create may block a requested deletion (--ambiguous-create-give-up, 5m). */
  readonly ambiguousCreateGiveUpMs: number;
  /** CSI create calls in flight at once (--max-inflight-creates, 0 = no limit). */
  readonly maxInflightCreates: number;
  /** CSI delete calls in flight at once (--max-inflight-deletes, 0 = no limit). */
  readonly maxInflightDeletes: number;
  /** Where the connection-loss message goes (--termination-log-path, /dev/termination-log). */
  readonly terminationLogPath: string;
  /** --check: print the start-up diagnostics report to stdout and exit 0 (all OK) or 1. */
  readonly check: boolean;

  // --- environment (read once, in the CLI) ---
  readonly nodeName: string | undefined; // NODE_NAME
  readonly podNamespace: string | undefined; // POD_NAMESPACE
  readonly kubernetesServiceHost: string | undefined; // KUBERNETES_SERVICE_HOST (in-cluster config)
  readonly kubernetesServicePort: string | undefined; // KUBERNETES_SERVICE_PORT
  readonly httpsProxy: string | undefined; // HTTPS_PROXY, else https_proxy (as Go)
  readonly httpProxy: string | undefined; // HTTP_PROXY, else http_proxy
  readonly noProxy: string | undefined; // NO_PROXY, else no_proxy
}

export const FEATURE_GATE_GROUP_SNAPSHOT = 'CSIVolumeGroupSnapshot';
export const FEATURE_GATE_RELEASE_LEADER_ELECTION_ON_EXIT = 'ReleaseLeaderElectionOnExit';
