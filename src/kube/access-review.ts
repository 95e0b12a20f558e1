// Asks the apiserver whether this process may do one thing: a SelfSubjectAccessReview
// (authorization.k8s.io/v1), which every authenticated user may create (system:basic-user), so
// the answer needs no grant of its own. The apiserver's authorizer answers, so the verdict is
// the same one a real request would get (unlike SelfSubjectRulesReview, which webhook and other
// non-RBAC authorizers may leave incomplete).

import { KubeRequestError } from './kube-api-error.js';
import type { KubeTransport } from './kube-transport.js';

export interface AccessQuery {
  /** '' for the core group. */
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly verb: string;
  /** Omitted: all namespaces / cluster-scoped. */
  readonly namespace?: string;
}

export interface AccessVerdict {
  readonly allowed: boolean;
  /** The authorizer's reason or evaluation error, when it gave one. */
  readonly reason: string | undefined;
}

const SSAR_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

export async function reviewAccess(transport: KubeTransport, query: AccessQuery, signal: AbortSignal): Promise<AccessVerdict> {
  const body = await transport.requestJson({
    method: 'POST',
    path: SSAR_PATH,
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: {
          group: query.group,
          resource: query.resource,
          verb: query.verb,
          ...(query.subresource !== undefined ? { subresource: query.subresource } : {}),
          ...(query.namespace !== undefined ? { namespace: query.namespace } : {}),
        },
      },
    },
    signal,
  });
  const status = (body as { status?: { allowed?: unknown; reason?: unknown; evaluationError?: unknown } } | undefined)?.status;
  if (status === undefined || typeof status.allowed !== 'boolean') {
    throw new KubeRequestError({ code: 'InvalidResponse', method: 'POST', path: SSAR_PATH });
  }
  const reason = [status.reason, status.evaluationError].filter((x): x is string => typeof x === 'string' && x !== '').join('; ');
  return { allowed: status.allowed, reason: reason === '' ? undefined : reason };
}
