// Gives one test run of the sidecar its own identity built from manifests/rbac.yaml: the
// ServiceAccount in the run's namespace, the ClusterRole/Role renamed uniquely (optionally minus
// one verb), their bindings, a TokenRequest token and a kubeconfig with only that token. The
// manifest is the source of truth: nothing here adds a rule.
import fs from 'node:fs';
import path from 'node:path';
import { KubeConfig, loadAllYaml } from '@kubernetes/client-node';
import type { KubeRest } from '../../world/kube-rest.js';
import { KubeRequestError } from '../../world/kube-rest.js';

export const RBAC_MANIFEST = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../manifests/rbac.yaml');

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly rules?: readonly PolicyRule[];
  readonly roleRef?: { readonly kind: string; readonly name: string; readonly apiGroup: string };
  readonly subjects?: readonly { readonly kind: string; readonly name: string; readonly namespace?: string }[];
}

/** One verb on one resource, as granted by the manifest: `clusterrole` rules or the lease `role`. */
export interface Grant {
  readonly scope: 'clusterrole' | 'role';
  readonly apiGroup: string;
  readonly resource: string;
  readonly verb: string;
}

export function grantLabel(g: Grant): string {
  return `${g.verb} ${g.apiGroup === '' ? 'core' : g.apiGroup}/${g.resource}`;
}

export function readRbacManifest(file: string = RBAC_MANIFEST): readonly Manifest[] {
  return loadAllYaml(fs.readFileSync(file, 'utf8')) as Manifest[];
}

/** Every (verb, resource) the manifest grants, one entry each. */
export function grantsOf(manifest: readonly Manifest[]): readonly Grant[] {
  const out: Grant[] = [];
  for (const m of manifest) {
    if (m.kind !== 'ClusterRole' && m.kind !== 'Role') continue;
    const scope = m.kind === 'ClusterRole' ? 'clusterrole' : 'role';
    for (const rule of m.rules ?? []) {
      for (const apiGroup of rule.apiGroups) for (const resource of rule.resources) for (const verb of rule.verbs) out.push({ scope, apiGroup, resource, verb });
    }
  }
  return out;
}

/** The rules minus one (resource, verb) when `removed` belongs to this scope. */
function without(rules: readonly PolicyRule[], scope: Grant['scope'], removed: Grant | undefined): PolicyRule[] {
  if (removed === undefined || removed.scope !== scope) return rules.map((r) => ({ ...r }));
  const out: PolicyRule[] = [];
  for (const r of rules) {
    if (r.apiGroups.includes(removed.apiGroup) && r.resources.includes(removed.resource)) {
      // Split the rule so only (resource, verb) goes; siblings in the same rule keep every verb.
      const others = r.resources.filter((x) => x !== removed.resource);
      if (others.length > 0) out.push({ ...r, resources: others });
      const verbs = r.verbs.filter((v) => v !== removed.verb);
      if (verbs.length > 0) out.push({ apiGroups: r.apiGroups, resources: [removed.resource], verbs });
    } else {
      out.push({ ...r });
    }
  }
  return out;
}

export interface SidecarIdentity {
  readonly username: string;
  readonly kubeconfig: string;
  /** Deletes the cluster-scoped objects (the namespace's objects go with the test's cleanup). */
  dispose(signal: AbortSignal): Promise<void>;
}

export interface CreateIdentityOptions {
  readonly kube: KubeRest;
  readonly adminKubeconfig: string;
  /** Holds the ServiceAccount, the lease Role and its binding. */
  readonly namespace: string;
  /** Unique per run; prefixes every name. */
  readonly id: string;
  readonly remove?: Grant;
  readonly dir: string;
  readonly signal: AbortSignal;
}

export async function createSidecarIdentity(opts: CreateIdentityOptions): Promise<SidecarIdentity> {
  const { kube, namespace, id, signal } = opts;
  const manifest = readRbacManifest();
  const sa = manifest.find((m) => m.kind === 'ServiceAccount');
  if (sa === undefined) throw new Error(`${RBAC_MANIFEST} has no ServiceAccount`);
  const saName = `${sa.metadata.name}-${id}`;
  const rename = new Map<string, string>();
  for (const m of manifest) if (m.kind !== 'ServiceAccount') rename.set(`${m.kind}/${m.metadata.name}`, `${m.metadata.name}-${id}`);
  const created: string[] = [];
  for (const m of manifest) {
    const name = m.kind === 'ServiceAccount' ? saName : (rename.get(`${m.kind}/${m.metadata.name}`) ?? m.metadata.name);
    const base = { apiVersion: m.apiVersion, kind: m.kind, metadata: { name, ...(m.kind === 'ClusterRole' || m.kind === 'ClusterRoleBinding' ? {} : { namespace }) } };
    let body: Record<string, unknown>;
    let collection: string;
    switch (m.kind) {
      case 'ServiceAccount':
        body = base;
        collection = `/api/v1/namespaces/${namespace}/serviceaccounts`;
        break;
      case 'ClusterRole':
      case 'Role': {
        const scope = m.kind === 'ClusterRole' ? 'clusterrole' : 'role';
        body = { ...base, rules: without(m.rules ?? [], scope, opts.remove) };
        collection = m.kind === 'ClusterRole' ? '/apis/rbac.authorization.k8s.io/v1/clusterroles' : `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`;
        break;
      }
      case 'ClusterRoleBinding':
      case 'RoleBinding': {
        const ref = m.roleRef;
        if (ref === undefined) throw new Error(`${m.kind}/${m.metadata.name} has no roleRef`);
        body = {
          ...base,
          roleRef: { ...ref, name: rename.get(`${ref.kind}/${ref.name}`) ?? ref.name },
          subjects: (m.subjects ?? []).map((s) => (s.kind === 'ServiceAccount' ? { kind: s.kind, name: saName, namespace } : s)),
        };
        collection = m.kind === 'ClusterRoleBinding' ? '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings' : `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`;
        break;
      }
      default:
        throw new Error(`${RBAC_MANIFEST}: unexpected kind ${m.kind}`);
    }
    await kube.create(collection, body, signal);
    if (m.kind === 'ClusterRole' || m.kind === 'ClusterRoleBinding') created.push(`${collection}/${name}`);
  }

  const tokenReview = (await kube.create(
    `/api/v1/namespaces/${namespace}/serviceaccounts/${saName}/token`,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    signal,
  )) as { readonly status: { readonly token: string } };

  const admin = new KubeConfig();
  admin.loadFromFile(opts.adminKubeconfig);
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error(`${opts.adminKubeconfig} has no current cluster`);
  const caData = cluster.caData ?? (cluster.caFile ? fs.readFileSync(cluster.caFile).toString('base64') : undefined);
  const kubeconfig = path.join(opts.dir, `${saName}.kubeconfig`);
  // JSON is YAML: every kubeconfig loader reads it.
  fs.writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'world', cluster: { server: cluster.server, ...(caData ? { 'certificate-authority-data': caData } : {}) } }],
      users: [{ name: saName, user: { token: tokenReview.status.token } }],
      contexts: [{ name: saName, context: { cluster: 'world', user: saName, namespace } }],
      'current-context': saName,
    }),
    { mode: 0o600 },
  );
  return {
    username: `system:serviceaccount:${namespace}:${saName}`,
    kubeconfig,
    async dispose(sig: AbortSignal): Promise<void> {
      for (const p of created) {
        try {
          await kube.delete(p, sig);
        } catch (err) {
          if (!(err instanceof KubeRequestError && err.status === 404)) throw err;
        }
      }
    },
  };
}
