// The operator's word for where one content is in its life, for the state gauges: a pure
// classifier of the ContentView, checked in this order (the first match wins):
//   deleting — metadata.deletionTimestamp is set;
//   ready    — status.readyToUse is true;
//   error    — status.error is set (and not ready);
//   creating — the being-created annotation is on, or a handle is recorded (not ready yet);
//   pending  — none of the above: no status, no annotation (not yet picked up).
// Contents without a usable source are never ours to act on; callers skip them (and other drivers').

import type { ContentView } from './content-view.js';

export const CONTENT_STATES = ['pending', 'creating', 'ready', 'error', 'deleting'] as const;
export type ContentState = (typeof CONTENT_STATES)[number];

export function contentState(view: ContentView): ContentState {
  if (view.deleting) return 'deleting';
  const status = view.status;
  if (status?.readyToUse === true) return 'ready';
  if (status?.errorMessage !== undefined) return 'error';
  if (view.beingCreated || status?.handle !== undefined) return 'creating';
  return 'pending';
}

/** Not ready and not deleting: what "the oldest unready content" measures. */
export function isUnready(state: ContentState): boolean {
  return state !== 'ready' && state !== 'deleting';
}
