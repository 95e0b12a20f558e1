// manifests/rbac.yaml against the real test-world apiserver, with OUR sidecar running under a
// ServiceAccount token bound to exactly those rules, on csi-driver-host-path (which has a real
// GroupController, so the group verbs are exercised like the others):
//  - sufficient: the whole snapshot flow (snapshot-flow.ts) and then the group snapshot flow
//    (group-flow.ts) complete with no 403 at all;
//  - nothing unused: every granted verb is used by those flows, and for each one a run without it
//    gets a 403 from the apiserver for exactly that verb and resource.
// The one exception kind: the informers' `list` verbs are only used by the LIST fallback of the
// streaming list (NEEDS_LIST_FALLBACK; this world's apiserver has WatchList); for them a run
// without the verb must still complete with no refusal, which shows the streaming list needs only
// `watch`.
// Needs a running world (TESTWORLD) and a built sidecar (npm run build).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startSidecar } from '../../support/sidecar-process.js';
import type { SidecarProcess } from '../../support/sidecar-process.js';
import { loadWorld } from '../../support/world-handle.js';
import type { WorldJson } from '../../support/world-handle.js';
import { CsiAdmin } from '../../world/csi-admin.js';
import { startCsiDriver } from '../../world/csi-driver.js';
import type { CsiDriver } from '../../world/csi-driver.js';
import { createNamespace } from '../../world/fixtures.js';
import { runGroupFlow } from './group-flow.js';
import type { GroupFlowStep } from './group-flow.js';
import { KubeRest } from '../../world/kube-rest.js';
import { AuditTrail } from './audit-trail.js';
import type { AuditRequest } from './audit-trail.js';
import { createSidecarIdentity, grantLabel, grantsOf, readRbacManifest } from './sidecar-identity.js';
import type { Grant, SidecarIdentity } from './sidecar-identity.js';
import { runSnapshotFlow } from './snapshot-flow.js';
import type { FlowStep } from './snapshot-flow.js';

/**
 * Verbs used only when the apiserver refuses a streaming list (no WatchList; this world's apiserver
 * has it). The manifest keeps them: upstream grants them and needs them on such servers too.
 */
const NEEDS_LIST_FALLBACK: readonly string[] = [
  'list snapshot.storage.k8s.io/volumesnapshotcontents',
  'list snapshot.storage.k8s.io/volumesnapshotclasses',
];
/**
 * Requests every authenticated user may make without a grant in the manifest (system:basic-user):
 * the start-up diagnostics ask the apiserver about each needed verb with SelfSubjectAccessReviews.
 */
const GRANTED_TO_EVERY_USER: readonly string[] = ['create authorization.k8s.io/selfsubjectaccessreviews'];
const PARALLEL_RUNS = 4;
const STEP_TIMEOUT_MS = 20_000;
/** A run without one verb stops as soon as that verb is refused, or after this. */
const VARIANT_TIMEOUT_MS = 60_000;

interface RunResult {
  readonly requests: readonly AuditRequest[];
  readonly steps: readonly (FlowStep | GroupFlowStep)[];
  readonly flowError: string | undefined;
  readonly log: string;
}

const matches = (g: Grant, r: AuditRequest): boolean => r.verb === g.verb && r.resource === g.resource && r.apiGroup === g.apiGroup;

describe('manifests/rbac.yaml with our sidecar on the test world', () => {
  let world: WorldJson;
  let kube: KubeRest;
  let dir: string;
  let namespace: string;
  const identities: SidecarIdentity[] = [];
  const grants = grantsOf(readRbacManifest());
  const removable = grants;
  let full: RunResult;
  const variants = new Map<string, RunResult>();

  /** One sidecar under one identity (optionally minus a verb) with its own CSI driver. */
  async function runOnce(name: string, remove: Grant | undefined): Promise<RunResult> {
    const id = `${name}-${randomBytes(3).toString('hex')}`;
    const runDir = fs.mkdtempSync(path.join(dir, 'r-'));
    const stop = new AbortController();
    const deadline = remove === undefined ? undefined : setTimeout(() => stop.abort(new Error('variant timed out')), VARIANT_TIMEOUT_MS);
    let driver: CsiDriver | undefined;
    let csi: CsiAdmin | undefined;
    let sidecar: SidecarProcess | undefined;
    let audit: AuditTrail | undefined;
    const steps: (FlowStep | GroupFlowStep)[] = [];
    let flowError: string | undefined;
    try {
      const identity = await createSidecarIdentity({ kube, adminKubeconfig: world.kubeconfig, namespace, id, dir: runDir, signal: AbortSignal.timeout(20_000), ...(remove ? { remove } : {}) });
      identities.push(identity);
      audit = new AuditTrail({ file: world.auditLog, username: identity.username });
      driver = await startCsiDriver({ kind: 'hostpath', binary: world.hostpathPlugin, driverName: `${id}.rbac.testworld`, socketDir: runDir, logDir: runDir, csiProto: world.csiProto, signal: AbortSignal.timeout(20_000) });
      csi = CsiAdmin.open({ endpoint: driver.endpoint, csiProto: world.csiProto });
      sidecar = startSidecar({
        kubeconfig: identity.kubeconfig,
        csiAddress: driver.endpoint,
        dir: runDir,
        args: [
          '--v=4',
          '--leader-election',
          `--leader-election-namespace=${namespace}`,
          '--leader-election-lease-duration=4s',
          '--leader-election-renew-deadline=3s',
          '--leader-election-retry-period=1s',
          '--retry-interval-start=100ms',
          '--retry-interval-max=1s',
        ],
      });
      const trail = audit;
      let refused: ReturnType<typeof setInterval> | undefined;
      if (remove !== undefined) {
        refused = setInterval(() => {
          if (trail.requests().some((r) => r.code === 403 && matches(remove, r))) stop.abort(new Error('refused as expected'));
        }, 200);
      }
      try {
        await runSnapshotFlow({ kube, csi, driver, namespace, audit: trail, stepTimeoutMs: STEP_TIMEOUT_MS, signal: stop.signal, onStep: (s) => steps.push(s) });
        await runGroupFlow({ kube, csi, driver, namespace, audit: trail, stepTimeoutMs: STEP_TIMEOUT_MS, signal: stop.signal, onStep: (s) => steps.push(s) });
        // With the full RBAC, let one more Lease renewal through before judging.
        if (remove === undefined) await new Promise((r) => setTimeout(r, 1500));
      } catch (err) {
        flowError = err instanceof Error ? err.message : String(err);
      } finally {
        if (refused) clearInterval(refused);
      }
    } finally {
      if (deadline) clearTimeout(deadline);
      await sidecar?.stop(10_000);
      csi?.close();
      await driver?.process.stop();
    }
    return { requests: audit?.requests() ?? [], steps, flowError, log: sidecar?.log() ?? '' };
  }

  beforeAll(async () => {
    world = loadWorld();
    kube = await KubeRest.fromKubeconfig({ kubeconfig: world.kubeconfig, userAgent: 'testworld-integration/rbac' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rb-'));
    namespace = `rbac-${randomBytes(3).toString('hex')}`;
    await createNamespace(kube, namespace, AbortSignal.timeout(10_000));
    // The full run first, alone: a failure there explains every variant.
    full = await runOnce('full', undefined);
    const queue = [...removable];
    const workers = Array.from({ length: PARALLEL_RUNS }, async () => {
      for (let g = queue.shift(); g !== undefined; g = queue.shift()) {
        const slug = `${g.verb}-${g.resource.replace(/[^a-z]/g, '').slice(0, 12)}`;
        variants.set(grantLabel(g), await runOnce(slug, g));
      }
    });
    await Promise.all(workers);
  }, 290_000);

  afterAll(async () => {
    for (const identity of identities) await identity.dispose(AbortSignal.timeout(10_000));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('with every rule, the snapshot flow and then the group flow run to the end: created, ready, deleted', () => {
    expect({ steps: full.steps, error: full.flowError }).toEqual({
      steps: [
        'fixture', 'first-failure-event', 'repeated-failure-event', 'conflict-reread', 'ready', 'content-deleted',
        'group-fixture', 'group-conflict-reread', 'group-ready', 'group-deleted',
      ],
      error: undefined,
    });
  });

  test('with every rule, the apiserver refuses none of the sidecar requests', () => {
    const refused = full.requests.filter((r) => r.code === 403).map((r) => `${r.verb} ${r.apiGroup}/${r.resource}`);
    expect(refused).toEqual([]);
  });

  test('every request the sidecar made is covered by a rule (no hidden grant elsewhere makes the flow pass)', () => {
    const uncovered = full.requests.filter((r) => !grants.some((g) => matches(g, r))).map((r) => `${r.verb} ${r.apiGroup}/${r.resource}`);
    expect([...new Set(uncovered)].filter((label) => !GRANTED_TO_EVERY_USER.includes(label))).toEqual([]);
  });

  test('the start-up diagnostics asked the apiserver with SelfSubjectAccessReviews, none refused (system:basic-user allows them)', () => {
    const reviews = full.requests.filter((r) => r.apiGroup === 'authorization.k8s.io' && r.resource === 'selfsubjectaccessreviews');
    expect({ some: reviews.length > 0, refused: reviews.filter((r) => r.code >= 400).length }).toEqual({ some: true, refused: 0 });
  });

  test('every granted verb outside the LIST fallback was used by the flows (group verbs included)', () => {
    const unused = removable
      .filter((g) => !NEEDS_LIST_FALLBACK.includes(grantLabel(g)))
      .filter((g) => !full.requests.some((r) => matches(g, r) && r.code < 400))
      .map(grantLabel);
    expect(unused).toEqual([]);
  });

  test('the verbs left to the LIST fallback are granted by the manifest (the exception list is not stale)', () => {
    expect(NEEDS_LIST_FALLBACK.filter((label) => !grants.some((g) => grantLabel(g) === label))).toEqual([]);
  });

  test.each(NEEDS_LIST_FALLBACK.map((label) => [label] as const))(
    'without "%s" the flow still completes with no refusal (the streaming list needs only watch)',
    (label) => {
      const run = variants.get(label);
      const refused = (run?.requests ?? []).filter((r) => r.code === 403).map((r) => `${r.verb} ${r.apiGroup}/${r.resource}`);
      expect({ steps: run?.steps, error: run?.flowError, refused }).toEqual({ steps: full.steps, error: undefined, refused: [] });
    },
  );

  test.each(
    grantsOf(readRbacManifest())
      .filter((g) => !NEEDS_LIST_FALLBACK.includes(grantLabel(g)))
      .map((g) => [grantLabel(g), g] as const),
  )(
    'without "%s" the apiserver refuses the sidecar exactly that request',
    (label) => {
      const run = variants.get(label);
      const refused = (run?.requests ?? []).filter((r) => r.code === 403).map((r) => `${r.verb} ${r.apiGroup === '' ? 'core' : r.apiGroup}/${r.resource}`);
      // On failure the received value shows how far the flow got and the end of the sidecar's log.
      const details = { refused: [...new Set(refused)], steps: run?.steps, flowError: run?.flowError, requests: run?.requests.length, log: run?.log.slice(-4000) };
      expect(refused.includes(label) ? 'refused' : JSON.stringify(details, null, 1)).toBe('refused');
    },
  );
});
