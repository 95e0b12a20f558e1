import { describe, expect, test } from '@jest/globals';
import { WaiterList } from '../../../src/queue/waiter-list.js';

describe('WaiterList', () => {
  test('wakes the oldest waiter first', async () => {
    const list = new WaiterList<string>();
    const first = list.wait(undefined, 'aborted');
    const second = list.wait(undefined, 'aborted');
    expect(list.wakeOne('a')).toBe(true);
    expect(list.wakeOne('b')).toBe(true);
    expect(list.wakeOne('c')).toBe(false);
    await expect(first).resolves.toBe('a');
    await expect(second).resolves.toBe('b');
  });

  test('an aborted waiter resolves its abort value and leaves, so the next wake reaches the one behind it', async () => {
    const list = new WaiterList<string>();
    const leaving = new AbortController();
    const gone = list.wait(leaving.signal, 'aborted');
    const staying = list.wait(undefined, 'aborted');
    leaving.abort();
    await expect(gone).resolves.toBe('aborted');
    expect(list.size).toBe(1);
    list.wakeOne('key');
    await expect(staying).resolves.toBe('key');
    expect(list.size).toBe(0);
  });

  test('wakeAll settles every waiter with one value and empties the list', async () => {
    const list = new WaiterList<string | undefined>();
    const waits = [list.wait(undefined, 'aborted'), list.wait(new AbortController().signal, 'aborted')];
    list.wakeAll(undefined);
    expect(list.size).toBe(0);
    await expect(Promise.all(waits)).resolves.toEqual([undefined, undefined]);
  });
});
