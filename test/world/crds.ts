// Installs the upstream snapshot CRDs (read unchanged from the shared directory at launch time) and
// waits until each is Established and every served version is listed in discovery: only then do
// the snapshot-controller's informers start cleanly.
import fs from 'node:fs';
import path from 'node:path';
import { loadYaml } from '@kubernetes/client-node';
import type { KubeRest } from './kube-rest.js';
import { KubeRequestError } from './kube-rest.js';
import { waitUntil } from './proc.js';
import { WorldError } from './world-error.js';

interface Crd {
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly group: string;
    readonly names: { readonly plural: string };
    readonly versions: readonly { readonly name: string; readonly served: boolean }[];
  };
  readonly status?: { readonly conditions?: readonly { readonly type: string; readonly status: string }[] };
}

interface ResourceList {
  readonly resources?: readonly { readonly name: string }[];
}

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** The CRD files kustomization.yaml lists, in its order. */
export function readCrds(crdDir: string): readonly Crd[] {
  const kustomization = path.join(crdDir, 'kustomization.yaml');
  if (!fs.existsSync(kustomization)) {
    throw new WorldError('manifest-missing', `no kustomization.yaml in CRD dir ${crdDir} (set CSI_SNAPSHOTTER_CRD_DIR)`);
  }
  const { resources } = loadYaml<{ readonly resources: readonly string[] }>(fs.readFileSync(kustomization, 'utf8'));
  return resources.map((file) => loadYaml<Crd>(fs.readFileSync(path.join(crdDir, file), 'utf8')));
}

export async function installCrds(opts: {
  readonly client: KubeRest;
  readonly crdDir: string;
  readonly timeoutMs?: number;
  readonly signal: AbortSignal;
}): Promise<readonly string[]> {
  const crds = readCrds(opts.crdDir);
  for (const crd of crds) {
    try {
      await opts.client.create(CRD_PATH, crd, opts.signal);
    } catch (err) {
      if (!(err instanceof KubeRequestError && err.status === 409)) throw err;
    }
  }
  await waitUntil(
    async (signal) => {
      for (const crd of crds) {
        const live = (await opts.client.get(`${CRD_PATH}/${crd.metadata.name}`, signal)) as Crd;
        const established = live.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
        if (!established) return false;
        for (const v of crd.spec.versions.filter((x) => x.served)) {
          const list = (await opts.client.get(`/apis/${crd.spec.group}/${v.name}`, signal)) as ResourceList;
          if (!list.resources?.some((r) => r.name === crd.spec.names.plural)) return false;
        }
      }
      return true;
    },
    { what: 'snapshot CRDs established and discoverable', timeoutMs: opts.timeoutMs ?? 30_000, signal: opts.signal },
  );
  return crds.map((c) => c.metadata.name);
}
