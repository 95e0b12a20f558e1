// The parameters sent with CreateSnapshot / CreateVolumeGroupSnapshot: the class parameters minus
// the reserved `csi.storage.k8s.io/` secret keys (which configure the CO, not the driver), plus the
// optional --extra-create-metadata keys. An unknown reserved key is an error, as upstream.

import { KNOWN_RESERVED_PARAMETERS, RESERVED_PARAMETER_PREFIX } from './keys.js';

export type ParametersResult =
  | { readonly ok: true; readonly parameters: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly error: string };

export function removePrefixedParameters(parameters: Readonly<Record<string, string>>): ParametersResult {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (!key.startsWith(RESERVED_PARAMETER_PREFIX)) {
      out[key] = value;
      continue;
    }
    if (!KNOWN_RESERVED_PARAMETERS.has(key)) {
      return { ok: false, error: `found unknown parameter key "${key}" with reserved namespace ${RESERVED_PARAMETER_PREFIX}` };
    }
  }
  return { ok: true, parameters: out };
}
