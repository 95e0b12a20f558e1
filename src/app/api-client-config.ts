// The API connection each client of the process gets from the flags and environment: the
// kubeconfig (or in-cluster) endpoint, the proxy variables, our User-Agent, and its own
// --kube-api-qps/--kube-api-burst bucket (as upstream, the leader-election client and the
// controller client are throttled separately).

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
    gate: {
      acquire: async (signal) => {
        const waitedMs = await bucket.acquire(signal);
        onThrottled?.(waitedMs);
      },
    },
  });
}
