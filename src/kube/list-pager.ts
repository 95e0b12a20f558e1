// A full LIST in pages, as client-go's pager does for a reflector: `limit` objects per request,
// following the continue token to the end. A continue token can expire mid-way (410 Gone after
// the server compacted past it); the pager then starts over with one unpaginated list instead of
// failing, so a large collection on a busy cluster still lists. Objects come back stored (frozen).

import { isGone } from './kube-api-error.js';
import type { ResourceClient } from './resource-client.js';
import { toStoredObject } from './stored-object.js';
import type { KubeObject } from './types.js';

export interface ListedState<T> {
  /** Every listed object by name. */
  readonly objects: Map<string, T>;
  /** The list's resourceVersion: a watch from it misses nothing. */
  readonly resourceVersion: string;
}

export async function listAllPages<T extends KubeObject>(
  client: Pick<ResourceClient<T>, 'list'>,
  options: { readonly labelSelector: string | undefined; readonly pageSize: number; readonly signal: AbortSignal },
): Promise<ListedState<T>> {
  const objects = new Map<string, T>();
  const { labelSelector, signal } = options;
  let limit: number | undefined = options.pageSize;
  let cont: string | undefined;
  let resourceVersion = '';
  for (;;) {
    let page;
    try {
      page = await client.list({ labelSelector, limit, continue: cont, signal });
    } catch (err) {
      if (cont === undefined || !isGone(err)) throw err;
      // The continue token expired mid-pagination: one unpaginated list.
      objects.clear();
      cont = undefined;
      limit = undefined;
      continue;
    }
    for (const item of page.items) objects.set(item.metadata.name, toStoredObject(item));
    resourceVersion = page.resourceVersion;
    cont = page.continue;
    if (cont === undefined) break;
  }
  return { objects, resourceVersion };
}
