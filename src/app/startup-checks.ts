// Gathers the start-up diagnostics (issue 16 item 3): the API server (reachable, credentials
// accepted), the snapshot CRDs from API discovery, every permission in ./required-access.ts with a
// SelfSubjectAccessReview, the CSI socket against our uid/gids, and (for --check) the driver's
// name and capabilities through the same handshake the sidecar runs. Judging and wording are in
// ./startup-report.ts. Checks never throw: whatever goes wrong becomes a report item.
// The API checks use their own client and bucket (like leader election), so they never delay the
// controller's requests. One pass is ~23 small requests (discovery and SelfSubjectAccessReviews,
// sent in parallel); the bucket's burst covers one pass so the report does not hold up the start
// by seconds at the default --kube-api-qps 5 / --kube-api-burst 10 (measured: 2.3 s with those).

import type { Clock } from '../base/clock.js';
import { FEATURE_GATE_GROUP_SNAPSHOT, type Options } from '../cli/options.js';
import { parseCsiAddress } from '../csi/csi-address.js';
import { checkSocketAccess } from '../csi/socket-access.js';
import { reviewAccess } from '../kube/access-review.js';
import { discoverGroup, discoverResources, type ServedGroup } from '../kube/api-discovery.js';
import { KubeTransport } from '../kube/kube-transport.js';
import { resolveLeaseNamespace } from '../kube/lease-lock-names.js';
import {
  VOLUME_GROUP_SNAPSHOT_CLASS,
  VOLUME_GROUP_SNAPSHOT_CONTENT,
  VOLUME_SNAPSHOT_CLASS,
  VOLUME_SNAPSHOT_CONTENT,
} from '../kube/resources.js';
import type { SidecarKubeConfig } from '../kube/sidecar-kube-config.js';
import type { Logger } from '../observability/logger.js';
import { loadApiClientConfig } from './api-client-config.js';
import { handshake, StartupError } from './driver-handshake.js';
import { accessNeeded, EVENTS_NAMESPACE, REQUIRED_ACCESS, type RequiredAccess } from './required-access.js';
import {
  accessItems,
  crdItems,
  socketItem,
  type AccessFinding,
  type CheckItem,
  type DriverFinding,
} from './startup-report.js';

/** Burst of the checks' own bucket: at least one whole pass (refilled at --kube-api-qps). */
const CHECK_BURST = 32;
/** Each diagnostic API request gives up after this (an unreachable server must not hang --check). */
const CHECK_REQUEST_TIMEOUT_MS = 10_000;
/** --check: how long the driver may take to accept the connection and report ready. */
export const CHECK_DRIVER_BUDGET_MS = 15_000;

export interface KubeCheckParams {
  readonly options: Options;
  readonly version: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Where the service account's `namespace` file is (tests). */
  readonly serviceAccountDir?: string;
  /**
   * Whether an unloadable kubeconfig becomes a report item (--check). A normal start leaves it
   * out: the controller's own start-up refuses the same kubeconfig with one error and exit 1.
   */
  readonly reportKubeConfigError?: boolean;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const CRD_SETS = [
  { group: VOLUME_SNAPSHOT_CONTENT.group, version: VOLUME_SNAPSHOT_CONTENT.version, plurals: [VOLUME_SNAPSHOT_CONTENT.plural, VOLUME_SNAPSHOT_CLASS.plural], optional: false },
  { group: VOLUME_GROUP_SNAPSHOT_CONTENT.group, version: VOLUME_GROUP_SNAPSHOT_CONTENT.version, plurals: [VOLUME_GROUP_SNAPSHOT_CONTENT.plural, VOLUME_GROUP_SNAPSHOT_CLASS.plural], optional: true },
] as const;

async function crdChecks(transport: KubeTransport, options: Options, signal: AbortSignal): Promise<CheckItem[]> {
  const groupWanted = accessNeeded('group-snapshots', options);
  const out: CheckItem[] = [];
  for (const set of CRD_SETS) {
    if (set.optional && !groupWanted) {
      out.push({ section: 'crds', status: 'skipped', subject: set.group, detail: 'not checked: group snapshots are off' });
      continue;
    }
    let served: ServedGroup | undefined | string;
    let resources: readonly string[] = [];
    try {
      served = await discoverGroup(transport, set.group, signal);
      if (served !== undefined && served.versions.includes(set.version)) resources = await discoverResources(transport, set.group, set.version, signal);
    } catch (err) {
      signal.throwIfAborted();
      served = messageOf(err);
    }
    out.push(...crdItems({ ...set, served, resources }));
  }
  return out;
}

function namespaceFor(a: RequiredAccess, params: KubeCheckParams): string | undefined {
  switch (a.scope) {
    case 'cluster':
      return undefined;
    case 'events-namespace':
      return EVENTS_NAMESPACE;
    case 'lease-namespace':
      return resolveLeaseNamespace({
        flag: params.options.leaderElectionNamespace,
        podNamespace: params.options.podNamespace,
        ...(params.serviceAccountDir !== undefined ? { serviceAccountDir: params.serviceAccountDir } : {}),
      });
  }
}

async function accessChecks(transport: KubeTransport, params: KubeCheckParams): Promise<CheckItem[]> {
  const findings = await Promise.all(
    REQUIRED_ACCESS.map(async (access): Promise<AccessFinding> => {
      const namespace = namespaceFor(access, params);
      const needed = accessNeeded(access.need, params.options);
      if (!needed) return { access, needed, namespace, verdicts: [] };
      const verdicts = await Promise.all(
        access.verbs.map(async (verb) => {
          try {
            const v = await reviewAccess(
              transport,
              {
                group: access.apiGroup,
                resource: access.resource,
                verb,
                ...(access.subresource !== undefined ? { subresource: access.subresource } : {}),
                ...(namespace !== undefined ? { namespace } : {}),
              },
              params.signal,
            );
            return { verb, allowed: v.allowed, ...(v.reason !== undefined ? { reason: v.reason } : {}) };
          } catch (err) {
            params.signal.throwIfAborted();
            return { verb, allowed: 'error' as const, reason: messageOf(err) };
          }
        }),
      );
      return { access, needed, namespace, verdicts };
    }),
  );
  return findings.flatMap(accessItems);
}

/** API server, CRDs and RBAC. Rejects only with the signal's reason when aborted. */
export async function runKubeChecks(params: KubeCheckParams): Promise<CheckItem[]> {
  const { options, clock, log, signal } = params;
  let kubeConfig: SidecarKubeConfig;
  try {
    kubeConfig = loadApiClientConfig({ options: { ...options, kubeApiBurst: Math.max(options.kubeApiBurst, CHECK_BURST) }, version: params.version, clock });
  } catch (err) {
    return params.reportKubeConfigError === false ? [] : [{ section: 'kubernetes', status: 'problem', subject: 'kubeconfig', detail: messageOf(err) }];
  }
  try {
    const transport = new KubeTransport({ kubeConfig, clock, logger: log, requestTimeoutMs: CHECK_REQUEST_TIMEOUT_MS });
    const server = kubeConfig.serverUrl();
    try {
      const v = (await transport.requestJson({ method: 'GET', path: '/version', signal })) as { gitVersion?: unknown } | undefined;
      const version = typeof v?.gitVersion === 'string' ? v.gitVersion : 'unknown version';
      // /version is public: ask discovery too, so rejected credentials (401) show here, once.
      await transport.requestJson({ method: 'GET', path: '/apis', signal });
      log.v(4).info('Start-up check: API server reachable', { server, version });
      const items: CheckItem[] = [{ section: 'kubernetes', status: 'ok', subject: server, detail: `reachable, ${version}, credentials accepted` }];
      const [crds, access] = await Promise.all([crdChecks(transport, options, signal), accessChecks(transport, params)]);
      return [...items, ...crds, ...access];
    } catch (err) {
      signal.throwIfAborted();
      return [{ section: 'kubernetes', status: 'problem', subject: server, detail: `API server not usable: ${messageOf(err)}`, remedy: 'check --kubeconfig (or the in-cluster service account token) and that the API server is reachable from this pod' }];
    }
  } finally {
    await kubeConfig.close();
  }
}

/** The socket item for --csi-address (the address was validated at start-up). */
export async function runSocketCheck(options: Options): Promise<CheckItem> {
  return socketItem(await checkSocketAccess(parseCsiAddress(options.csiAddress).socketPath));
}

/**
 * --check only: the start-up handshake (GetPluginInfo, Probe until ready, capabilities), bounded by
 * CHECK_DRIVER_BUDGET_MS instead of upstream's open-ended wait for readiness.
 */
export async function runDriverCheck(params: { readonly options: Options; readonly log: Logger; readonly clock: Clock; readonly signal: AbortSignal; readonly budgetMs?: number }): Promise<DriverFinding> {
  const budgetMs = params.budgetMs ?? CHECK_DRIVER_BUDGET_MS;
  const budget = new AbortController();
  const timer = params.clock.setTimer(() => budget.abort(new Error('budget')), budgetMs);
  try {
    const info = await handshake({
      options: params.options,
      log: params.log,
      clock: params.clock,
      signal: AbortSignal.any([params.signal, budget.signal]),
      onConnectionLost: () => undefined,
      connectTimeoutMs: budgetMs,
    });
    info.connection.close();
    return {
      kind: 'ok',
      driverName: info.driverName,
      controllerCapabilities: info.controllerCapabilities,
      groupSnapshotsWanted: params.options.featureGates.get(FEATURE_GATE_GROUP_SNAPSHOT) === true,
      groupControllerCapabilities: info.groupControllerCapabilities,
    };
  } catch (err) {
    params.signal.throwIfAborted();
    if (budget.signal.aborted) return { kind: 'failed', message: `the driver did not connect and report ready within ${budgetMs / 1000} s` };
    return { kind: 'failed', message: err instanceof StartupError ? err.message : messageOf(err) };
  } finally {
    timer.cancel();
  }
}

