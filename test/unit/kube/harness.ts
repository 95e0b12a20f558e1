// Shared fixtures of the src/kube unit tests: the client stack wired to a FakeApiServer, and
// objects. (Waiting for a condition: test/support/polling.ts.)

import { systemClock, type Clock } from '../../../src/base/clock.js';
import { loadKubeConfig } from '../../../src/kube/kube-config.js';
import { KubeTransport } from '../../../src/kube/kube-transport.js';
import type { RequestGate } from '../../../src/kube/request-gate.js';
import { openGate } from '../../support/open-gate.js';
import type { SidecarKubeConfig } from '../../../src/kube/sidecar-kube-config.js';
import type { VolumeSnapshotContent } from '../../../src/kube/types.js';
import type { FakeApiServer } from '../../support/fake-apiserver.js';

export interface Stack {
  readonly kc: SidecarKubeConfig;
  readonly transport: KubeTransport;
}

export function makeStack(
  server: FakeApiServer,
  options: { gate?: RequestGate; requestTimeoutMs?: number; clock?: Clock; userAgent?: string } = {},
): Stack {
  const kc = loadKubeConfig({
    kubeconfigPath: server.kubeconfigPath,
    env: {},
    userAgent: options.userAgent ?? 'csi-snapshotter/9.9.9-test',
    gate: options.gate ?? openGate,
  });
  const transport = new KubeTransport({
    kubeConfig: kc,
    clock: options.clock ?? systemClock,
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    maxRetryAfterMs: 50,
  });
  return { kc, transport };
}

export function vsc(name: string, resourceVersion: string, extra: Partial<VolumeSnapshotContent> = {}): VolumeSnapshotContent {
  return {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshotContent',
    metadata: { name, resourceVersion, uid: `uid-${name}` },
    spec: {
      deletionPolicy: 'Delete',
      driver: 'hostpath.csi.k8s.io',
      source: { volumeHandle: `vol-${name}` },
      volumeSnapshotRef: { name: `snap-${name}`, namespace: 'default' },
    },
    ...extra,
  };
}

/** A Logger that keeps warn/error lines (for "logged once with a remedy" assertions). */
export function capturingLogger(): { logger: import('../../../src/observability/logger.js').Logger; warnings: string[] } {
  const warnings: string[] = [];
  const sink = { info: (): void => undefined };
  const logger: import('../../../src/observability/logger.js').Logger = {
    info: () => undefined,
    warn: (msg) => void warnings.push(msg),
    error: (msg) => void warnings.push(msg),
    v: () => sink,
    enabled: () => false,
    with: () => logger,
  };
  return { logger, warnings };
}
