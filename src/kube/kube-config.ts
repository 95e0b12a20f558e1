// Loading the API server connection: `--kubeconfig <file>` or in-cluster (service account).
// Never client-node's loadFromDefault(): when nothing is configured it silently talks to
// http://localhost:8080 without auth, where upstream fails. Errors name the file or variable and
// the remedy; they never quote file content (a kubeconfig holds keys and tokens).

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SidecarKubeConfig, type SidecarKubeConfigOptions } from './sidecar-kube-config.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export type KubeConfigErrorCode =
  | 'KubeconfigUnreadable'
  | 'KubeconfigInvalid'
  | 'InClusterEnvMissing'
  | 'InClusterFileMissing';

export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
  readonly code: KubeConfigErrorCode;
  readonly remedy: string;

  constructor(code: KubeConfigErrorCode, problem: string, remedy: string) {
    super(`${problem}; ${remedy}`);
    this.code = code;
    this.remedy = remedy;
  }
}

export interface InClusterEnvironment {
  readonly KUBERNETES_SERVICE_HOST?: string | undefined;
  readonly KUBERNETES_SERVICE_PORT?: string | undefined;
}

export interface LoadKubeConfigOptions extends SidecarKubeConfigOptions {
  /** `--kubeconfig`; '' selects the in-cluster configuration. */
  readonly kubeconfigPath: string;
  /** The two service variables (the CLI reads the environment; kube/ never does). */
  readonly env: InClusterEnvironment;
  /** Overridable for tests; default SERVICE_ACCOUNT_DIR. */
  readonly serviceAccountDir?: string;
}

export function loadKubeConfig(options: LoadKubeConfigOptions): SidecarKubeConfig {
  const kc = new SidecarKubeConfig(options);
  if (options.kubeconfigPath !== '') loadFile(kc, options.kubeconfigPath);
  else loadInCluster(kc, options.env, options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
  return kc;
}

function loadFile(kc: SidecarKubeConfig, file: string): void {
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw new KubeConfigError(
      'KubeconfigUnreadable',
      `--kubeconfig ${file} does not exist or is not readable`,
      'pass the path of a readable kubeconfig file, or omit --kubeconfig to use the in-cluster service account',
    );
  }
  try {
    kc.loadFromFile(file);
  } catch {
    // The parser's message can quote the file (keys, tokens): report the file, not the excerpt.
    throw new KubeConfigError(
      'KubeconfigInvalid',
      `--kubeconfig ${file} is not a valid kubeconfig (YAML with clusters, users and contexts)`,
      `check it with: kubectl --kubeconfig ${file} config view`,
    );
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster || !cluster.server) {
    throw new KubeConfigError(
      'KubeconfigInvalid',
      `--kubeconfig ${file} has no current-context pointing to a cluster with a server URL`,
      `set one with: kubectl --kubeconfig ${file} config use-context <name>`,
    );
  }
}

function loadInCluster(kc: SidecarKubeConfig, env: InClusterEnvironment, saDir: string): void {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '';
  if (host === '' || port === '') {
    const missing = [host === '' ? 'KUBERNETES_SERVICE_HOST' : '', port === '' ? 'KUBERNETES_SERVICE_PORT' : '']
      .filter((s) => s !== '')
      .join(' and ');
    throw new KubeConfigError(
      'InClusterEnvMissing',
      `no --kubeconfig given and ${missing} not set, so this is not running in a pod`,
      'pass --kubeconfig <file> when running outside a cluster',
    );
  }
  const tokenFile = path.join(saDir, 'token');
  const caFile = path.join(saDir, 'ca.crt');
  for (const file of [tokenFile, caFile]) {
    try {
      fs.accessSync(file, fs.constants.R_OK);
    } catch {
      throw new KubeConfigError(
        'InClusterFileMissing',
        `in-cluster configuration needs ${file}, which does not exist or is not readable`,
        'mount a service account token (automountServiceAccountToken: true) or pass --kubeconfig <file>',
      );
    }
  }
  // As client-go's InClusterConfig: always https. The tokenFile auth provider re-reads the
  // (rotating, bound) token every 60 s.
  const server = `https://${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
  kc.loadFromOptions({
    clusters: [{ name: 'inCluster', server, caFile, skipTLSVerify: false }],
    users: [{ name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile } } }],
    contexts: [{ name: 'inClusterContext', cluster: 'inCluster', user: 'inClusterUser' }],
    currentContext: 'inClusterContext',
  });
}
