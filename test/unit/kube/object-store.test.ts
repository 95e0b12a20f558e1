import { describe, expect, test } from '@jest/globals';
import { ObjectStore } from '../../../src/kube/object-store.js';
import { InvalidResourceVersionError } from '../../../src/kube/stored-object.js';
import type { VolumeSnapshotContent } from '../../../src/kube/types.js';
import { vsc } from './harness.js';

describe('ObjectStore (forward-only by resourceVersion)', () => {
  test.each([
    { sequence: ['1'], accepted: [true], final: '1' },
    { sequence: ['1', '1'], accepted: [true, true], final: '1' },
    { sequence: ['1', '1', '2', '1'], accepted: [true, true, true, false], final: '2' },
    // Compared as integers, not strings: "10" > "2".
    { sequence: ['2', '10'], accepted: [true, true], final: '10' },
    { sequence: ['10', '9'], accepted: [true, false], final: '10' },
    // Beyond 2^53 ordering stays exact.
    { sequence: ['9007199254740993', '9007199254740992'], accepted: [true, false], final: '9007199254740993' },
  ])('observe accepts only equal or newer versions: $sequence', ({ sequence, accepted, final }) => {
    const store = new ObjectStore<VolumeSnapshotContent>();
    expect(sequence.map((rv) => store.observe(vsc('a', rv)))).toEqual(accepted);
    expect(store.get('a')?.metadata.resourceVersion).toBe(final);
  });

  test.each(['xxx', '', '1.5', '-1', undefined])('a non-integer resourceVersion %p is an error and is not stored', (rv) => {
    const store = new ObjectStore<VolumeSnapshotContent>();
    const obj = vsc('a', '1');
    const bad = { ...obj, metadata: { ...obj.metadata, resourceVersion: rv } } as VolumeSnapshotContent;
    expect(() => store.observe(bad)).toThrow(InvalidResourceVersionError);
    expect(store.get('a')).toBeUndefined();
  });

  test('a deleting object without finalizers is gone: forgotten, never stored (a write response after the DELETED event leaves no ghost)', () => {
    const store = new ObjectStore<VolumeSnapshotContent>();
    const obj = vsc('a', '5');
    const deleting = { ...obj, metadata: { ...obj.metadata, deletionTimestamp: '2026-12-06T14:00:00Z', finalizers: ['f'] } };
    expect(store.observe(deleting)).toBe(true);
    store.delete('a'); // the watch's DELETED event
    const lastWrite = { ...deleting, metadata: { ...deleting.metadata, finalizers: [] } };
    expect(store.observe(lastWrite)).toBe(false);
    expect(store.get('a')).toBeUndefined();
    expect(store.size).toBe(0);
    // Before the DELETED event: the stored copy is dropped as well.
    expect(store.observe(deleting)).toBe(true);
    expect(store.observe({ ...lastWrite, metadata: { ...lastWrite.metadata, resourceVersion: '6' } })).toBe(false);
    expect(store.get('a')).toBeUndefined();
  });

  test('managedFields are stripped and the stored object is deep-frozen', () => {
    const store = new ObjectStore<VolumeSnapshotContent>();
    const obj = vsc('a', '3');
    store.observe({ ...obj, metadata: { ...obj.metadata, managedFields: [{ manager: 'kubectl' }] } });
    const stored = store.get('a');
    expect(stored?.metadata.managedFields).toBeUndefined();
    expect(Object.isFrozen(stored)).toBe(true);
    expect(Object.isFrozen(stored?.spec.source)).toBe(true);
  });

  test('delete and list reflect the stored objects by name', () => {
    const store = new ObjectStore<VolumeSnapshotContent>();
    store.observe(vsc('a', '1'));
    store.observe(vsc('b', '2'));
    expect(store.delete('a')).toBe(true);
    expect(store.delete('a')).toBe(false);
    expect(store.list().map((o) => o.metadata.name)).toEqual(['b']);
  });
});

describe('InvalidResourceVersionError', () => {
  test('names the object and value; the remedy (an unsupported API server) ends the message', () => {
    const err = new InvalidResourceVersionError('a', 'x1');
    expect(err.code).toBe('InvalidResourceVersion');
    expect(err.remedy).toBe('this API server is not supported (etcd-backed servers use integers)');
    expect(err.message).toBe(`object "a" has resourceVersion "x1", which is not a base-10 integer; ${err.remedy}`);
  });
});
