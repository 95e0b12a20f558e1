// Which versions of an API group the apiserver serves, and which resources one version has, from
// the discovery endpoints (/apis/<group>, /apis/<group>/<version>). Every authenticated user may
// read them (system:discovery), so a CRD check needs no grant on customresourcedefinitions.

import { isNotFound, KubeRequestError } from './kube-api-error.js';
import type { KubeTransport } from './kube-transport.js';

export interface ServedGroup {
  /** Served versions, in the apiserver's order (preferred first, normally). */
  readonly versions: readonly string[];
  readonly preferred: string | undefined;
}

/** The group's served versions, or undefined when the group is not served at all (404). */
export async function discoverGroup(transport: KubeTransport, group: string, signal: AbortSignal): Promise<ServedGroup | undefined> {
  const path = `/apis/${group}`;
  let body: unknown;
  try {
    body = await transport.requestJson({ method: 'GET', path, signal });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  const g = body as { versions?: { version?: unknown }[]; preferredVersion?: { version?: unknown } } | undefined;
  if (!Array.isArray(g?.versions)) throw new KubeRequestError({ code: 'InvalidResponse', method: 'GET', path });
  const versions = g.versions.map((v) => v.version).filter((v): v is string => typeof v === 'string');
  const preferred = typeof g.preferredVersion?.version === 'string' ? g.preferredVersion.version : undefined;
  return { versions, preferred };
}

/** Resource names (plurals and `plural/subresource`) served at group/version; [] when not served. */
export async function discoverResources(transport: KubeTransport, group: string, version: string, signal: AbortSignal): Promise<readonly string[]> {
  const path = `/apis/${group}/${version}`;
  let body: unknown;
  try {
    body = await transport.requestJson({ method: 'GET', path, signal });
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
  const list = body as { resources?: { name?: unknown }[] } | undefined;
  if (!Array.isArray(list?.resources)) throw new KubeRequestError({ code: 'InvalidResponse', method: 'GET', path });
  return list.resources.map((r) => r.name).filter((n): n is string => typeof n === 'string');
}
