// The API connection each client of the process gets from the flags and environment: the
// kubeconfig (or in-cluster) endpoint, the proxy variables, our User-Agent, and its own
// --kube-api-qps/--kube-api-burst bucket (as upstream, the leader-election client, the snapshot
// API client and the core API client are throttled separately).

import type { Clock } from '../base/clock.js';
import { TokenBucket } from '../base/token-bucket.js';
import type { Options } from '../cli/options.js';
import { loadKubeConfig } from '../kube/kube-config.js';
import { userAgentFor, type SidecarKubeConfig } from '../kube/sidecar-kube-config.js';

export interface ApiClientConfigParams {
  readonly options: Options;
  readonly version: string;
  readonly clock: Clock;
  /** Told how long each request waited in the QPS bucket (metrics). */
  readonly onThrottled?: (waitedMs: number) => void;
}

export function loadApiClientConfig(params: ApiClientConfigParams): SidecarKubeConfig {
  const { options, clock, onThrottled } = params;
  const bucket = new TokenBucket({ qps: options.kubeApiQps, burst: options.kubeApiBurst, clock });
  return loadKubeConfig({
    kubeconfigPath: options.kubeconfig,
    env: { KUBERNETES_SERVICE_HOST: options.kubernetesServiceHost, KUBERNETES_SERVICE_PORT: options.kubernetesServicePort },
    proxyEnv: { httpsProxy: options.httpsProxy, httpProxy: options.httpProxy, noProxy: options.noProxy },
    userAgent: userAgentFor(params.version),
    clock,
    gate: {
      acquire: async (signal) => {
        const waitedMs = await bucket.acquire(signal);
        onThrottled?.(waitedMs);
      },
    },
  });
}

/**
 * The content controller's API connections, as upstream main.go's two clientsets: `snapshot`
 * (snapClient: informers and writes of (group) snapshot contents and classes) and `core`
 * (kubeClient: Secrets and Events). Each has its own --kube-api-qps/--kube-api-burst bucket, as
 * client-go gives every clientset its own rate limiter, so a burst of Events never slows a status
 * write and the controller gets upstream's total throughput at the same flags.
 */
export interface ControllerApiClients {
  readonly snapshot: SidecarKubeConfig;
  readonly core: SidecarKubeConfig;
  /** Closes both connection pools. */
  close(): Promise<void>;
}

export function loadControllerApiClients(params: ApiClientConfigParams): ControllerApiClients {
  const snapshot = loadApiClientConfig(params);
  const core = loadApiClientConfig(params);
  return {
    snapshot,
    core,
    close: async () => {
      await Promise.all([snapshot.close(), core.close()]);
    },
  };
}
