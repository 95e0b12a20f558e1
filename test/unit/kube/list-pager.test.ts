import { describe, expect, test } from '@jest/globals';
import { KubeApiError } from '../../../src/kube/kube-api-error.js';
import { listAllPages } from '../../../src/kube/list-pager.js';
import type { ListOptions, ListResult } from '../../../src/kube/resource-client.js';
import type { KubeObject } from '../../../src/kube/types.js';

const obj = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Thing', metadata: { name, resourceVersion: '1' } });

/** Answers each list call from the script in order and records the options it was called with. */
function scripted(answers: ReadonlyArray<ListResult<KubeObject> | Error>): { client: { list(o: ListOptions): Promise<ListResult<KubeObject>> }; calls: ListOptions[] } {
  const calls: ListOptions[] = [];
  return {
    calls,
    client: {
      list: (o) => {
        calls.push(o);
        const answer = answers[calls.length - 1];
        if (answer === undefined) throw new Error('unexpected list call');
        return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
      },
    },
  };
}

const signal = new AbortController().signal;

describe('listAllPages', () => {
  test('follows the continue token with the page size and the label selector, and returns the last page\'s resourceVersion', async () => {
    const { client, calls } = scripted([
      { items: [obj('a'), obj('b')], resourceVersion: '10', continue: 'c1' },
      { items: [obj('c')], resourceVersion: '11', continue: undefined },
    ]);
    const listed = await listAllPages(client, { labelSelector: 'x=y', pageSize: 2, signal });
    expect([...listed.objects.keys()]).toEqual(['a', 'b', 'c']);
    expect(listed.resourceVersion).toBe('11');
    expect(calls.map((c) => [c.limit, c.continue, c.labelSelector])).toEqual([
      [2, undefined, 'x=y'],
      [2, 'c1', 'x=y'],
    ]);
    expect(Object.isFrozen(listed.objects.get('a'))).toBe(true);
  });

  test('an expired continue token (410) starts over with one unpaginated list, dropping the pages already read', async () => {
    const { client, calls } = scripted([
      { items: [obj('gone-meanwhile')], resourceVersion: '10', continue: 'c1' },
      new KubeApiError({ method: 'GET', path: '/apis/x/v1/things', code: 410 }),
      { items: [obj('a')], resourceVersion: '20', continue: undefined },
    ]);
    const listed = await listAllPages(client, { labelSelector: undefined, pageSize: 1, signal });
    expect([...listed.objects.keys()]).toEqual(['a']);
    expect(listed.resourceVersion).toBe('20');
    expect(calls[2]).toMatchObject({ limit: undefined, continue: undefined });
  });

  test('a 410 on the first page is the caller\'s (the resourceVersion, not a token, expired)', async () => {
    const gone = new KubeApiError({ method: 'GET', path: '/apis/x/v1/things', code: 410 });
    const { client } = scripted([gone]);
    await expect(listAllPages(client, { labelSelector: undefined, pageSize: 1, signal })).rejects.toBe(gone);
  });
});
