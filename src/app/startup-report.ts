// The start-up diagnostics report as plain data: what each check found (CRDs, RBAC verbs, the CSI
// socket, the CSI driver), turned into one line per item with a status and, for anything wrong,
// the fix. Pure: ./startup-checks.ts gathers the findings, this module judges and words them, for
// `--check` (formatReport, printed to stdout) and for the normal start (logReport: one log line
// per problem at error level, one per warning, a summary at info).

import type { ControllerCapabilities, GroupControllerCapabilities } from '../csi/capabilities.js';
import { octalMode, type SocketCheck } from '../csi/socket-access.js';
import { describeSocketFacts } from '../csi/socket-diagnostics.js';
import type { ServedGroup } from '../kube/api-discovery.js';
import type { Logger } from '../observability/logger.js';
import { ruleResource, type RequiredAccess } from './required-access.js';

export type CheckStatus = 'ok' | 'warning' | 'problem' | 'skipped';
export type ReportSection = 'kubernetes' | 'crds' | 'rbac' | 'socket' | 'driver';

export interface CheckItem {
  readonly section: ReportSection;
  readonly status: CheckStatus;
  /** What was checked, e.g. `volumesnapshotcontents.snapshot.storage.k8s.io`. */
  readonly subject: string;
  readonly detail: string;
  /** For a warning or problem: what to change. */
  readonly remedy?: string;
}

export interface StartupReport {
  readonly items: readonly CheckItem[];
}

// ---- CRDs -------------------------------------------------------------------------------------

export interface CrdFinding {
  readonly group: string;
  /** The version the sidecar uses (v1). */
  readonly version: string;
  readonly plurals: readonly string[];
  /** Group snapshot CRDs are optional: without them group support switches itself off. */
  readonly optional: boolean;
  /** undefined: group not served; a string: discovery failed with this message. */
  readonly served: ServedGroup | undefined | string;
  /** Resources served at `version` ([] when that version is not served). */
  readonly resources: readonly string[];
}

const SNAPSHOT_CRD_REMEDY =
  'install the snapshot CRDs of external-snapshotter v8.6.0 (client/config/crd: kubectl kustomize client/config/crd | kubectl create -f -)';
const GROUP_CRD_REMEDY =
  'install the groupsnapshot.storage.k8s.io v1 CRDs of external-snapshotter v8.6.0, or pass --feature-gates=CSIVolumeGroupSnapshot=false; until then group snapshot support is off for this run';

export function crdItems(f: CrdFinding): CheckItem[] {
  const missing: CheckStatus = f.optional ? 'warning' : 'problem';
  const remedy = f.optional ? GROUP_CRD_REMEDY : SNAPSHOT_CRD_REMEDY;
  return f.plurals.map((plural): CheckItem => {
    const subject = `${plural}.${f.group}`;
    if (typeof f.served === 'string') return { section: 'crds', status: 'problem', subject, detail: `could not read API discovery: ${f.served}` };
    if (f.served === undefined) return { section: 'crds', status: missing, subject, detail: `not installed (the API group ${f.group} is not served)`, remedy };
    const versions = `served versions: ${f.served.versions.join(', ') || 'none'}; preferred ${f.served.preferred ?? 'none'}`;
    if (!f.served.versions.includes(f.version)) {
      return { section: 'crds', status: missing, subject, detail: `not served at ${f.version}, which this sidecar uses (${versions})`, remedy };
    }
    if (!f.resources.includes(plural)) {
      return { section: 'crds', status: missing, subject, detail: `not installed (${f.group}/${f.version} is served, without ${plural})`, remedy };
    }
    return { section: 'crds', status: 'ok', subject, detail: `present at ${f.version} (${versions})` };
  });
}

// ---- RBAC -------------------------------------------------------------------------------------

export interface AccessFinding {
  readonly access: RequiredAccess;
  /** false: the current flags never use it (not asked). */
  readonly needed: boolean;
  /** Namespace the review ran in (undefined: cluster-wide). */
  readonly namespace: string | undefined;
  /** Per verb: allowed, denied (with the authorizer's reason) or the error of asking. */
  readonly verdicts: readonly { readonly verb: string; readonly allowed: boolean | 'error'; readonly reason?: string }[];
}

const NOT_NEEDED: Record<RequiredAccess['need'], string> = {
  always: '',
  secrets: '',
  'group-snapshots': 'not needed: group snapshots are off (--feature-gates=CSIVolumeGroupSnapshot=false or --node-deployment)',
  'leader-election': 'not needed without --leader-election',
};

function ruleText(a: RequiredAccess, verbs: readonly string[]): string {
  return `{apiGroups: ["${a.apiGroup}"], resources: ["${ruleResource(a)}"], verbs: [${verbs.map((v) => `"${v}"`).join(', ')}]}`;
}

export function accessItems(f: AccessFinding): CheckItem[] {
  const a = f.access;
  const subject = `${ruleResource(a)}${a.apiGroup === '' ? '' : `.${a.apiGroup}`}${f.namespace !== undefined ? ` in namespace ${f.namespace}` : ''}`;
  if (!f.needed) return [{ section: 'rbac', status: 'skipped', subject, detail: NOT_NEEDED[a.need] }];
  const items: CheckItem[] = [];
  const denied = f.verdicts.filter((v) => v.allowed === false).map((v) => v.verb);
  for (const v of f.verdicts.filter((x) => x.allowed === 'error')) {
    items.push({ section: 'rbac', status: 'problem', subject, detail: `could not check "${v.verb}": ${v.reason ?? 'unknown error'}` });
  }
  if (denied.length > 0) {
    const where =
      a.scope === 'lease-namespace'
        ? `the Role in namespace ${f.namespace ?? '?'} bound to this sidecar's ServiceAccount (manifests/rbac.yaml: csi-snapshotter-leaderelection)`
        : `the ClusterRole bound to this sidecar's ServiceAccount (manifests/rbac.yaml: csi-snapshotter-runner)`;
    const secrets = a.need === 'secrets';
    items.push({
      section: 'rbac',
      status: secrets ? 'warning' : 'problem',
      subject,
      detail:
        `missing verb${denied.length > 1 ? 's' : ''} ${denied.join(', ')} (used for: ${a.why})` +
        (secrets ? '; only classes that name csi.storage.k8s.io/snapshotter-secret-* need it, and a per-namespace Role grant also fails this cluster-wide check' : ''),
      remedy: `add the rule ${ruleText(a, denied)} to ${where}`,
    });
  }
  const allowed = f.verdicts.filter((v) => v.allowed === true).map((v) => v.verb);
  if (allowed.length > 0) items.push({ section: 'rbac', status: 'ok', subject, detail: `allowed: ${allowed.join(', ')}` });
  return items;
}

// ---- CSI socket and driver ----------------------------------------------------------------------

export function socketItem(c: SocketCheck): CheckItem {
  const subject = c.socketPath;
  switch (c.kind) {
    case 'ok': {
      const own = c.ownership === undefined ? '' : `, owner uid ${c.ownership.uid} gid ${c.ownership.gid} mode ${octalMode(c.ownership.mode)}`;
      return { section: 'socket', status: 'ok', subject, detail: `connectable (access as ${c.via}${own})` };
    }
    case 'denied':
      return { section: 'socket', status: 'problem', subject, detail: `cannot open: ${c.problem}`, remedy: c.remedy };
    case 'unusable':
      return { section: 'socket', status: 'problem', subject, detail: describeSocketFacts(c.socketPath, c.facts) };
  }
}

export type DriverFinding =
  | {
      readonly kind: 'ok';
      readonly driverName: string;
      readonly controllerCapabilities: ControllerCapabilities;
      readonly groupSnapshotsWanted: boolean;
      readonly groupControllerCapabilities: GroupControllerCapabilities | null;
    }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'skipped'; readonly reason: string };

export function driverItems(d: DriverFinding): CheckItem[] {
  switch (d.kind) {
    case 'skipped':
      return [{ section: 'driver', status: 'skipped', subject: 'CSI driver', detail: d.reason }];
    case 'failed':
      return [{ section: 'driver', status: 'problem', subject: 'CSI driver', detail: d.message }];
    case 'ok': {
      const c = d.controllerCapabilities;
      const caps = [c.createDeleteSnapshot && 'CREATE_DELETE_SNAPSHOT', c.listSnapshots && 'LIST_SNAPSHOTS', c.getSnapshot && 'GET_SNAPSHOT'].filter(Boolean).join(', ');
      const items: CheckItem[] = [
        { section: 'driver', status: 'ok', subject: 'name', detail: `${d.driverName} (answers Probe: ready)` },
        c.createDeleteSnapshot
          ? { section: 'driver', status: 'ok', subject: 'controller capabilities', detail: caps }
          : { section: 'driver', status: 'problem', subject: 'controller capabilities', detail: `${caps || 'none'}: no CREATE_DELETE_SNAPSHOT`, remedy: 'use a CSI driver (or driver version) that supports snapshots; the sidecar exits at start without it' },
      ];
      if (d.groupSnapshotsWanted) {
        const g = d.groupControllerCapabilities;
        items.push(
          g?.createDeleteGetGroupSnapshot === true
            ? { section: 'driver', status: 'ok', subject: 'group controller capabilities', detail: 'CREATE_DELETE_GET_VOLUME_GROUP_SNAPSHOT' }
            : {
                section: 'driver',
                status: 'warning',
                subject: 'group controller capabilities',
                detail: g === null ? 'the driver did not answer GroupControllerGetCapabilities' : 'no CREATE_DELETE_GET_VOLUME_GROUP_SNAPSHOT: group snapshots of this driver will fail',
                remedy: 'pass --feature-gates=CSIVolumeGroupSnapshot=false if this driver has no group snapshots',
              },
        );
      }
      return items;
    }
  }
}

// ---- verdict and output ---------------------------------------------------------------------------

export interface ReportCounts {
  readonly ok: number;
  readonly warnings: number;
  readonly problems: number;
}

export function countReport(r: StartupReport): ReportCounts {
  const n = (s: CheckStatus): number => r.items.filter((i) => i.status === s).length;
  return { ok: n('ok'), warnings: n('warning'), problems: n('problem') };
}

/** `--check` exits 0 exactly when this is true: warnings and skipped checks do not fail it. */
export function reportPassed(r: StartupReport): boolean {
  return countReport(r).problems === 0;
}

const SECTION_TITLES: Record<ReportSection, string> = {
  kubernetes: 'Kubernetes API',
  crds: 'Snapshot CRDs',
  rbac: 'RBAC (SelfSubjectAccessReview for this process)',
  socket: 'CSI socket',
  driver: 'CSI driver',
};
const STATUS_WORD: Record<CheckStatus, string> = { ok: 'ok', warning: 'WARNING', problem: 'PROBLEM', skipped: 'skipped' };

function line(i: CheckItem): string {
  return `${i.subject}: ${i.detail}${i.remedy !== undefined ? `. Fix: ${i.remedy}` : ''}`;
}

/** The human-readable report `--check` prints. */
export function formatReport(r: StartupReport): string {
  const out: string[] = ['csi-snapshotter start-up check'];
  for (const section of Object.keys(SECTION_TITLES) as ReportSection[]) {
    const items = r.items.filter((i) => i.section === section);
    if (items.length === 0) continue;
    out.push('', SECTION_TITLES[section]);
    for (const i of items) out.push(`  ${STATUS_WORD[i.status].padEnd(8)} ${line(i)}`);
  }
  const c = countReport(r);
  out.push('', `Result: ${c.problems === 0 ? 'OK' : 'FAILED'} (${c.problems} problem${c.problems === 1 ? '' : 's'}, ${c.warnings} warning${c.warnings === 1 ? '' : 's'}, ${c.ok} ok)`);
  return `${out.join('\n')}\n`;
}

/** The normal start: one line per problem (error) and warning (warn), then the summary (info). */
export function logReport(r: StartupReport, log: Logger): void {
  for (const i of r.items) {
    if (i.status === 'problem') log.error(`Start-up check failed: ${line(i)}`, { check: i.section });
    else if (i.status === 'warning') log.warn(`Start-up check warning: ${line(i)}`, { check: i.section });
  }
  const c = countReport(r);
  log.info('Start-up check', { ...c, passed: c.problems === 0, hint: c.problems === 0 ? undefined : 'run with --check for the full report' });
}
