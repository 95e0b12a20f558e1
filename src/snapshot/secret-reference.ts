// Where the credentials of a CSI call come from, resolved without I/O. Create and delete use the
// content's deletion-secret annotations (written by the snapshot-controller); ListSnapshots and
// GetVolumeGroupSnapshot use templated class parameters that this sidecar resolves itself.

import type { SecretAnnotations } from './content-view.js';

export interface SecretRef {
  readonly namespace: string;
  readonly name: string;
}

export type SecretRefResult =
  | { readonly ok: true; readonly ref: SecretRef | null }
  | { readonly ok: false; readonly error: string; readonly remedy: string };

/**
 * Both annotations absent → no secrets. Both present but one empty → upstream's error. Only one
 * present: upstream silently sends no secrets; that hides a broken object, so it is an error here.
 */
export function secretFromAnnotations(
  annotations: SecretAnnotations,
  opts: { readonly noun: string; readonly contentName: string; readonly nameKey: string; readonly namespaceKey: string },
): SecretRefResult {
  const { name, namespace } = annotations;
  const remedy = `set both annotations ${opts.nameKey} and ${opts.namespaceKey} to the Secret's name and namespace, or remove both if the driver needs no credentials`;
  if (name === undefined && namespace === undefined) return { ok: true, ref: null };
  if (name === undefined || namespace === undefined) {
    const missing = name === undefined ? opts.nameKey : opts.namespaceKey;
    return {
      ok: false,
      error: `cannot retrieve secrets for ${opts.noun} content "${opts.contentName}", err: annotation ${missing} is missing while its pair is set`,
      remedy,
    };
  }
  if (name === '' || namespace === '') {
    return {
      ok: false,
      error: `cannot retrieve secrets for ${opts.noun} content "${opts.contentName}", err: secret name or namespace not specified`,
      remedy,
    };
  }
  return { ok: true, ref: { namespace, name } };
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** os.Expand: `${var}` and `$var`; unknown variables are collected, not substituted. */
function expand(template: string, vars: Readonly<Record<string, string>>, unknown: string[]): string {
  return template.replace(/\$\{([^}]*)\}|\$([A-Za-z0-9_]+)/g, (_m, braced: string | undefined, bare: string | undefined) => {
    const key = braced ?? bare ?? '';
    const value = vars[key];
    if (value === undefined) {
      unknown.push(key);
      return '';
    }
    return value;
  });
}

/**
 * Upstream GetSecretReference: the class names a secret through a pair of parameters whose values
 * may contain `${...}` tokens. `vars` lists the tokens resolvable in this context (for ListSnapshots
 * only `volumesnapshotcontent.name`, because the sidecar never reads the VolumeSnapshot).
 */
export function secretFromClassParameters(
  parameters: Readonly<Record<string, string>>,
  opts: {
    readonly label: string;
    readonly nameKey: string;
    readonly namespaceKey: string;
    readonly vars: Readonly<Record<string, string>>;
  },
): SecretRefResult {
  const nameTemplate = parameters[opts.nameKey];
  const namespaceTemplate = parameters[opts.namespaceKey];
  const remedy = `fix the class parameters ${opts.nameKey} and ${opts.namespaceKey}`;
  if (nameTemplate === undefined && namespaceTemplate === undefined) return { ok: true, ref: null };
  if (nameTemplate === undefined || namespaceTemplate === undefined) {
    return { ok: false, error: `either name and namespace for ${opts.label} secrets specified, Both must be specified`, remedy };
  }
  if (nameTemplate === '' || namespaceTemplate === '') {
    return { ok: false, error: `${opts.label} secrets specified in parameters but value of either namespace or name is empty`, remedy };
  }
  const unknown: string[] = [];
  const namespace = expand(namespaceTemplate, opts.vars, unknown);
  const name = expand(nameTemplate, opts.vars, unknown);
  if (unknown.length > 0) {
    return { ok: false, error: `invalid tokens: [${unknown.join(' ')}]`, remedy: `${remedy}; only ${Object.keys(opts.vars).map((v) => '${' + v + '}').join(', ')} can be used here` };
  }
  if (!DNS1123_LABEL.test(namespace) || namespace.length > 63) {
    return { ok: false, error: `${opts.label} secret namespace "${namespace}" is not a valid DNS-1123 label`, remedy };
  }
  if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253) {
    return { ok: false, error: `${opts.label} secret name "${name}" is not a valid DNS-1123 subdomain`, remedy };
  }
  return { ok: true, ref: { namespace, name } };
}
