// Loading the API server connection: `--kubeconfig <file>` or in-cluster (service account), as
// client-go does: never a silent fallback to http://localhost:8080 (client-node's
// loadFromDefault()). The file is parsed with js-yaml and client-node's kubeconfig schema
// (config_types.js, without the rest of client-node); CA, certificate and key files are read once
// here, relative to the kubeconfig's directory. Errors name the file or variable and the remedy;
// they never quote file content (a kubeconfig holds keys and tokens).

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { newClusters, newContexts, newUsers, type Cluster, type User } from '@kubernetes/client-node/dist/config_types.js';
import { load as parseYaml } from 'js-yaml';
import { credentialPluginFor } from './credential-plugins.js';
import { KubeConfigError, type Invalid } from './kube-config-error.js';
import { proxyForServer, type ProxyEnvironment } from './env-proxy.js';
import {
  SidecarKubeConfig,
  type ApiServerEndpoint,
  type Credentials,
  type SidecarKubeConfigOptions,
  type TlsMaterial,
} from './sidecar-kube-config.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

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
  /** Proxy variables (the CLI reads them); a kubeconfig `proxy-url` takes precedence, as in client-go. */
  readonly proxyEnv?: ProxyEnvironment;
}

export function loadKubeConfig(options: LoadKubeConfigOptions): SidecarKubeConfig {
  const loaded =
    options.kubeconfigPath !== ''
      ? loadFile(options.kubeconfigPath)
      : loadInCluster(options.env, options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
  const envProxy = loaded.proxyUrl === undefined ? proxyForServer(loaded.server, options.proxyEnv ?? {}) : undefined;
  const endpoint = envProxy === undefined ? loaded : { ...loaded, proxyUrl: envProxy };
  return new SidecarKubeConfig(endpoint, options);
}

function loadFile(file: string): ApiServerEndpoint {
  const invalid = (problem: string, remedy = `check it with: kubectl --kubeconfig ${file} config view`): KubeConfigError =>
    new KubeConfigError('KubeconfigInvalid', `--kubeconfig ${file} ${problem}`, remedy);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new KubeConfigError(
      'KubeconfigUnreadable',
      `--kubeconfig ${file} does not exist or is not readable`,
      'pass the path of a readable kubeconfig file, or omit --kubeconfig to use the in-cluster service account',
    );
  }
  let doc: Record<string, unknown>;
  let clusters: Cluster[];
  let users: User[];
  let tokenFiles: readonly (string | undefined)[];
  let contexts: ReturnType<typeof newContexts>;
  try {
    const parsed: unknown = parseYaml(text);
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not a mapping');
    doc = parsed as Record<string, unknown>;
    clusters = newClusters(doc['clusters']);
    // client-node would read a token-file here, once and relative to the working directory.
    const split = takeTokenFiles(doc['users']);
    users = newUsers(split.users);
    tokenFiles = split.tokenFiles;
    contexts = newContexts(doc['contexts']);
  } catch {
    // The parser's message can quote the file (keys, tokens): report the file, not the excerpt.
    throw invalid('is not a valid kubeconfig (YAML with clusters, users and contexts)');
  }
  const noContext = (): KubeConfigError =>
    invalid(
      'has no current-context pointing to a cluster with a server URL',
      `set one with: kubectl --kubeconfig ${file} config use-context <name>`,
    );
  const context = contexts.find((c) => c.name === doc['current-context']);
  if (context === undefined) throw noContext();
  const cluster = clusters.find((c) => c.name === context.cluster);
  if (cluster === undefined || !cluster.server) throw noContext();
  const userIndex = users.findIndex((u) => u.name === context.user);
  const user = users[userIndex];
  const dir = path.dirname(file);
  const tokenFile = tokenFiles[userIndex];
  return {
    server: cluster.server.replace(/\/+$/, ''),
    tls: tlsMaterial(cluster, user, dir, invalid),
    ...(cluster.proxyUrl ? { proxyUrl: checkedProxy(cluster.proxyUrl, invalid) } : {}),
    credentials: credentialsOf(user, tokenFile === undefined ? undefined : path.resolve(dir, tokenFile), invalid),
  };
}

function tlsMaterial(cluster: Cluster, user: User | undefined, dir: string, invalid: Invalid): TlsMaterial {
  const read = (what: string, data: string | undefined, file: string | undefined): Buffer | undefined => {
    if (data) return Buffer.from(data, 'base64');
    if (!file) return undefined;
    const full = path.resolve(dir, file);
    try {
      return fs.readFileSync(full);
    } catch {
      throw invalid(`names ${what} file ${full}, which does not exist or is not readable`, 'fix the path or mount the file');
    }
  };
  const ca = read('certificate-authority', cluster.caData, cluster.caFile);
  const cert = read('client-certificate', user?.certData, user?.certFile);
  const key = read('client-key', user?.keyData, user?.keyFile);
  return {
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    rejectUnauthorized: !cluster.skipTLSVerify,
    ...(cluster.tlsServerName ? { servername: cluster.tlsServerName } : {}),
  };
}

function checkedProxy(proxyUrl: string, invalid: Invalid): string {
  if (/^https?:\/\//.test(proxyUrl)) return proxyUrl;
  throw invalid(
    `has proxy-url with an unsupported scheme (${proxyUrl.split(':')[0] ?? ''})`,
    'use an http:// or https:// proxy, or remove proxy-url',
  );
}

/** The users with `token-file` removed, and each one's token-file at the same index (newUsers keeps the order). */
function takeTokenFiles(users: unknown): { users: unknown; tokenFiles: readonly (string | undefined)[] } {
  if (!Array.isArray(users)) return { users, tokenFiles: [] };
  const split = users.map((entry: unknown): [unknown, string | undefined] => {
    const e = entry as { user?: unknown };
    if (typeof e !== 'object' || e === null || typeof e.user !== 'object' || e.user === null) return [entry, undefined];
    const { ['token-file']: file, ...user } = e.user as Record<string, unknown>;
    return [{ ...e, user }, typeof file === 'string' && file !== '' ? file : undefined];
  });
  return { users: split.map(([user]) => user), tokenFiles: split.map(([, file]) => file) };
}

function credentialsOf(user: User | undefined, tokenFile: string | undefined, invalid: Invalid): Credentials {
  if (user === undefined) return { kind: 'none' };
  const plugin = credentialPluginFor(user, invalid);
  if (plugin !== undefined) return { kind: 'plugin', plugin };
  if (typeof user.token === 'string' && user.token !== '') return { kind: 'token', token: user.token };
  if (tokenFile !== undefined) return { kind: 'tokenFile', file: tokenFile };
  if (user.username) return { kind: 'basic', username: user.username, password: user.password ?? '' };
  return { kind: 'none' };
}

function loadInCluster(env: InClusterEnvironment, saDir: string): ApiServerEndpoint {
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
  let ca: Buffer | undefined;
  for (const file of [tokenFile, caFile]) {
    try {
      fs.accessSync(file, fs.constants.R_OK);
      if (file === caFile) ca = fs.readFileSync(file);
    } catch {
      throw new KubeConfigError(
        'InClusterFileMissing',
        `in-cluster configuration needs ${file}, which does not exist or is not readable`,
        'mount a service account token (automountServiceAccountToken: true) or pass --kubeconfig <file>',
      );
    }
  }
  // As client-go's InClusterConfig: always https, and the (rotating, bound) token is re-read
  // once a minute.
  return {
    server: `https://${net.isIPv6(host) ? `[${host}]` : host}:${port}`,
    tls: { ...(ca !== undefined ? { ca } : {}), rejectUnauthorized: true },
    credentials: { kind: 'tokenFile', file: tokenFile },
  };
}
