// Kubeconfig users whose credentials come from a program or a protocol rather than from the file:
// `exec` credential plugins and the `oidc` auth-provider. Both come from client-node, each module
// imported on its own (the OIDC one, with openid-client, only when a kubeconfig asks for it).
// As in client-go since v1.26, the removed `gcp` and `azure` auth-providers are an error that
// names the exec plugin replacing them.

import type { User } from '@kubernetes/client-node/dist/config_types.js';
import { ExecAuth } from '@kubernetes/client-node/dist/exec_auth.js';
import type { Invalid } from './kube-config-error.js';
import type { CredentialPlugin, PluginRequestOptions } from './sidecar-kube-config.js';

interface AuthProviderConfig {
  readonly name?: unknown;
  readonly config?: Readonly<Record<string, unknown>>;
}

const REMOVED_PROVIDERS: Readonly<Record<string, string>> = {
  gcp: 'use the gke-gcloud-auth-plugin exec credential plugin instead',
  azure: 'use the kubelogin exec credential plugin instead',
};

/** The plugin for this user, undefined when the kubeconfig holds the credentials itself. */
export function credentialPluginFor(user: User, invalid: Invalid): CredentialPlugin | undefined {
  const provider = user.authProvider as AuthProviderConfig | null | undefined;
  if (user.exec || provider?.name === 'exec' || provider?.config?.['exec'] !== undefined) {
    const exec = new ExecAuth();
    return { name: 'exec', apply: (opts: PluginRequestOptions) => exec.applyAuthentication(user, opts) };
  }
  if (provider === null || provider === undefined) return undefined;
  const name = typeof provider.name === 'string' ? provider.name : '';
  if (name === 'oidc') return oidcPlugin(user);
  const removed = REMOVED_PROVIDERS[name];
  if (removed !== undefined) throw invalid(`uses the auth-provider "${name}", which client-go removed in v1.26`, removed);
  throw invalid(`uses the auth-provider "${name}", which is not supported`, 'use a token, a client certificate or an exec credential plugin');
}

function oidcPlugin(user: User): CredentialPlugin {
  type Oidc = { applyAuthentication(user: User, opts: PluginRequestOptions): Promise<void> };
  let loaded: Promise<Oidc> | undefined;
  return {
    name: 'oidc',
    async apply(opts) {
      loaded ??= import('@kubernetes/client-node/dist/oidc_auth.js').then((m) => new m.OpenIDConnectAuth());
      await (await loaded).applyAuthentication(user, opts);
    },
  };
}
