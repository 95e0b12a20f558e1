// The state gauges' classifier: one row per definition in the README, checked in its order.
import { describe, expect, test } from '@jest/globals';
import { contentState, isUnready, type ContentState } from '../../../src/snapshot/content-state.js';
import type { ContentView } from '../../../src/snapshot/content-view.js';
import { GROUP, SINGLE } from '../../../src/snapshot/kind-vocabulary.js';
import { status, view } from './view-builder.js';

const rows: readonly { readonly name: string; readonly over: Partial<ContentView>; readonly state: ContentState }[] = [
  { name: 'new dynamic content: no status, no annotation', over: {}, state: 'pending' },
  { name: 'being-created annotation, no status yet', over: { beingCreated: true }, state: 'creating' },
  { name: 'handle recorded, not ready (cut snapshot still uploading)', over: { status: status({ handle: 'h', readyToUse: false }) }, state: 'creating' },
  { name: 'ready', over: { status: status({ handle: 'h', readyToUse: true }) }, state: 'ready' },
  { name: 'ready with the annotation still on (before unmark)', over: { beingCreated: true, status: status({ handle: 'h', readyToUse: true }) }, state: 'ready' },
  { name: 'status.error, not ready', over: { status: status({ readyToUse: false, errorMessage: 'boom' }) }, state: 'error' },
  { name: 'status.error with the annotation on: error wins over creating', over: { beingCreated: true, status: status({ errorMessage: 'boom' }) }, state: 'error' },
  { name: 'ready with a stale error message: ready wins', over: { status: status({ handle: 'h', readyToUse: true, errorMessage: 'old' }) }, state: 'ready' },
  { name: 'deletion requested on a ready content', over: { deleting: true, status: status({ handle: 'h', readyToUse: true }) }, state: 'deleting' },
  { name: 'deletion requested while creating', over: { deleting: true, beingCreated: true }, state: 'deleting' },
  { name: 'pre-provisioned, not read yet', over: { source: { type: 'pre-provisioned', handle: 'h', memberHandles: [] } }, state: 'pending' },
];

describe.each([['VolumeSnapshotContent', SINGLE], ['VolumeGroupSnapshotContent', GROUP]])('contentState (%s)', (_k, vocabulary) => {
  test.each(rows)('$name → $state', ({ over, state }) => {
    expect(contentState(view(over, vocabulary))).toBe(state);
  });
});

test('unready = neither ready nor deleting', () => {
  expect((['pending', 'creating', 'ready', 'error', 'deleting'] as const).filter(isUnready)).toEqual(['pending', 'creating', 'error']);
});
