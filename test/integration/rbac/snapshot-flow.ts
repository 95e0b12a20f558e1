// The snapshot flow an RBAC check drives, arranged so one run needs every verb the sidecar has:
//  1. a class naming a snapshotter secret that does not exist yet → CreateSnapshot cannot start:
//     secrets get, contents patch (being-created annotation), status patch (error), events create;
//  2. the test overwrites status.error → the same failure again is a changed status, and its
//     event a repeat (count 2): events patch;
//  3. the secret appears while the driver is frozen (SIGSTOP); the test bumps the content's
//     resourceVersion; the driver thaws → the status write's precondition fails (409) and the
//     sidecar re-reads the content: contents get;
//  4. ready; then the VolumeSnapshot is deleted → DeleteSnapshot, status patch, finalizer
//     removal (contents patch) → the content is gone.
// List/watch of contents and classes, group probes and Lease calls happen at start-up.
import { createSnapshotFixture, deleteSnapshotFixture, getContent, getVolumeSnapshot, waitForContent } from '../../world/fixtures.js';
import type { SnapshotFixture } from '../../world/fixtures.js';
import { isGone, type KubeRest } from '../../world/kube-rest.js';
import { waitUntil } from '../../world/proc.js';
import { conflictThenThaw, driverFreeze, type FlowContext as SharedFlowContext } from './flow-context.js';

export type FlowStep =
  | 'fixture'
  | 'first-failure-event'
  | 'repeated-failure-event'
  | 'conflict-reread'
  | 'ready'
  | 'content-deleted';

export type FlowContext = SharedFlowContext<FlowStep>;

interface CoreEvent {
  readonly count?: number;
  readonly source?: { readonly component?: string };
}

/** The `count` of each of our Events about the content. */
async function eventCounts(kube: KubeRest, contentName: string, component: string, signal: AbortSignal): Promise<readonly number[]> {
  const list = (await kube.get(`/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${contentName}`)}`, signal)) as {
    readonly items: readonly CoreEvent[];
  };
  return list.items.filter((e) => e.source?.component === component).map((e) => e.count ?? 1);
}

export async function runSnapshotFlow(ctx: FlowContext): Promise<void> {
  const { kube, signal, namespace } = ctx;
  // Per run: runs share the namespace, and the secret must be missing at first.
  const secretName = `creds-${ctx.driver.driverName.split('.')[0] ?? 'x'}`;
  const wait = (what: string, probe: (s: AbortSignal) => Promise<boolean>): Promise<void> =>
    waitUntil(probe, { what, timeoutMs: ctx.stepTimeoutMs, intervalMs: 150, signal });
  let fixture: SnapshotFixture | undefined;
  const freeze = driverFreeze(ctx.driver);
  try {
    fixture = await createSnapshotFixture({
      kube,
      csi: ctx.csi,
      driverName: ctx.driver.driverName,
      namespace,
      classParameters: {
        'csi.storage.k8s.io/snapshotter-secret-name': secretName,
        'csi.storage.k8s.io/snapshotter-secret-namespace': namespace,
      },
      signal,
    });
    const content = await waitForContent(kube, fixture, { timeoutMs: ctx.stepTimeoutMs, signal });
    const contentName = content.metadata.name;
    const contentPath = `/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/${contentName}`;
    const component = `csi-snapshotter ${ctx.driver.driverName}`;
    ctx.onStep('fixture');

    await wait('a Warning event for the missing secret', async (s) => (await eventCounts(kube, contentName, component, s)).length >= 1);
    ctx.onStep('first-failure-event');

    // Upstream reports the first failure as SnapshotCreationFailed and later ones as
    // SnapshotContentCheckandUpdateFailed, so the first repeat of one (reason, message) is the
    // second failure after the first; each overwrite of status.error makes the next failure a change.
    await wait('an event repeated (count 2)', async (s) => {
      if ((await eventCounts(kube, contentName, component, s)).some((n) => n >= 2)) return true;
      const before = (await eventCounts(kube, contentName, component, s)).reduce((a, b) => a + b, 0);
      await kube.mergePatch(`${contentPath}/status`, { status: { error: { message: 'overwritten by the RBAC test', time: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } } }, s);
      await waitUntil(async (s2) => (await eventCounts(kube, contentName, component, s2)).reduce((a, b) => a + b, 0) > before, {
        what: 'the failure after an overwrite of status.error',
        timeoutMs: ctx.stepTimeoutMs / 2,
        intervalMs: 150,
        signal: s,
      });
      return (await eventCounts(kube, contentName, component, s)).some((n) => n >= 2);
    });
    ctx.onStep('repeated-failure-event');

    freeze.freeze();
    await kube.create(`/api/v1/namespaces/${namespace}/secrets`, { metadata: { name: secretName }, stringData: { token: 'rbac-test' } }, signal);
    await wait('the sidecar reading the secret', async () =>
      ctx.audit.requests().some((r) => r.resource === 'secrets' && r.verb === 'get' && r.code === 200),
    );
    // The sidecar is now in (or entering) CreateSnapshot with the content it read before.
    await conflictThenThaw({ kube, audit: ctx.audit, freeze, contentPath, resource: 'volumesnapshotcontents', wait, what: 'the content', signal });
    ctx.onStep('conflict-reread');

    await wait('content and VolumeSnapshot readyToUse', async (s) => {
      const [c, vs] = await Promise.all([
        getContent(kube, contentName, s),
        getVolumeSnapshot(kube, { namespace, name: fixture?.snapshot.metadata.name ?? '' }, s),
      ]);
      return c.status?.readyToUse === true && vs.status?.readyToUse === true;
    });
    ctx.onStep('ready');

    await kube.delete(`/apis/snapshot.storage.k8s.io/v1/namespaces/${namespace}/volumesnapshots/${fixture.snapshot.metadata.name}`, signal);
    await wait('the content to be gone', (s) => isGone(kube, contentPath, s));
    ctx.onStep('content-deleted');
  } finally {
    freeze.release();
    if (fixture) await deleteSnapshotFixture(kube, fixture, AbortSignal.timeout(30_000));
  }
}
