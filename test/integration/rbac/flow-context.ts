// What the RBAC flows (snapshot-flow.ts, group-flow.ts) share: their context, and the step that
// makes the sidecar's status write conflict (step 3 of the snapshot flow, 2 of the group flow). The driver is frozen (SIGSTOP) while the sidecar is in its create call, the test bumps
// the content's resourceVersion (a label), the driver thaws, and the status write the sidecar then
// sends with the old resourceVersion gets a 409: it must re-read the content (the `get` verb).
import type { CsiAdmin } from '../../world/csi-admin.js';
import type { CsiDriver } from '../../world/csi-driver.js';
import type { KubeRest } from '../../world/kube-rest.js';
import type { AuditTrail } from './audit-trail.js';

export interface FlowContext<Step extends string> {
  readonly kube: KubeRest;
  readonly csi: CsiAdmin;
  readonly driver: CsiDriver;
  readonly namespace: string;
  readonly audit: AuditTrail;
  /** Per wait; a flow with the full RBAC finishes well within it. */
  readonly stepTimeoutMs: number;
  readonly signal: AbortSignal;
  /** Called as each step completes (for failure messages). */
  readonly onStep: (step: Step) => void;
}

/** SIGSTOP/SIGCONT of the flow's driver; `release()` (in the flow's finally) thaws it if still frozen. */
export interface DriverFreeze {
  freeze(): void;
  thaw(): void;
  release(): void;
}

export function driverFreeze(driver: CsiDriver): DriverFreeze {
  let frozen = false;
  return {
    freeze: () => {
      process.kill(driver.process.pid, 'SIGSTOP');
      frozen = true;
    },
    thaw: () => {
      process.kill(driver.process.pid, 'SIGCONT');
      frozen = false;
    },
    release: () => {
      if (frozen) process.kill(driver.process.pid, 'SIGCONT');
    },
  };
}

export interface StatusConflict {
  readonly kube: KubeRest;
  readonly audit: AuditTrail;
  readonly freeze: DriverFreeze;
  /** The content's API path, and its resource in the audit log. */
  readonly contentPath: string;
  readonly resource: 'volumesnapshotcontents' | 'volumegroupsnapshotcontents';
  /** The flow's wait: until the probe holds, within its step timeout. */
  readonly wait: (what: string, probe: (s: AbortSignal) => Promise<boolean>) => Promise<void>;
  /** Names the content in the wait's failure message. */
  readonly what: string;
  readonly signal: AbortSignal;
}

/** With the driver frozen mid-create: bump the content, thaw, and wait for the sidecar's re-read. */
export async function conflictThenThaw(c: StatusConflict): Promise<void> {
  await c.kube.mergePatch(c.contentPath, { metadata: { labels: { 'rbac-test/bump': 'yes' } } }, c.signal);
  c.freeze.thaw();
  await c.wait(`the sidecar re-reading ${c.what} after its status write conflicted`, async () =>
    c.audit.requests().some((r) => r.resource === c.resource && r.verb === 'get'),
  );
}
