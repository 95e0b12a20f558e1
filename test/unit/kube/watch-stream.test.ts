import { describe, expect, test } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { systemClock } from '../../../src/base/clock.js';
import { KubeRequestError } from '../../../src/kube/kube-api-error.js';
import type { KubeStream } from '../../../src/kube/kube-transport.js';
import { readWatchEvents, WatchStalledError, type WatchEvent } from '../../../src/kube/watch-stream.js';

function fakeStream(): { stream: KubeStream; body: PassThrough } {
  const body = new PassThrough();
  return {
    body,
    stream: { body, abort: (reason) => body.destroy(reason instanceof Error ? reason : new Error(String(reason))), dispose: () => undefined },
  };
}

const line = (type: string, name: string): string => `${JSON.stringify({ type, object: { metadata: { name } } })}\n`;

function read(stream: KubeStream, events: WatchEvent[], stallMs = 5000): Promise<void> {
  return readWatchEvents(stream, { clock: systemClock, stallMs, path: '/watch', onEvent: (e) => void events.push(e) });
}

describe('readWatchEvents', () => {
  test('events split anywhere across chunks, even inside a multi-byte character, arrive whole and in order', async () => {
    const { stream, body } = fakeStream();
    const events: WatchEvent[] = [];
    const done = read(stream, events);
    const bytes = Buffer.from(line('ADDED', 'a') + line('MODIFIED', 'ünïcødé-€') + line('DELETED', 'c').trimEnd());
    // Three-byte pieces cut through the two- and three-byte UTF-8 sequences.
    for (let i = 0; i < bytes.length; i += 3) body.write(bytes.subarray(i, i + 3));
    body.end();
    await done;
    expect(events.map((e) => [e.type, (e.object['metadata'] as { name: string }).name])).toEqual([
      ['ADDED', 'a'],
      ['MODIFIED', 'ünïcødé-€'],
      ['DELETED', 'c'],
    ]);
  });

  test('int64 values beyond 2^53 in an event stay exact', async () => {
    const { stream, body } = fakeStream();
    const events: WatchEvent[] = [];
    const done = read(stream, events);
    body.end('{"type":"MODIFIED","object":{"status":{"creationTime":1700000000123456789}}}\n');
    await done;
    expect((events[0]?.object['status'] as { creationTime: unknown }).creationTime).toBe(1700000000123456789n);
  });

  test('an unparseable line rejects with InvalidResponse and releases the connection', async () => {
    const { stream, body } = fakeStream();
    const events: WatchEvent[] = [];
    const done = read(stream, events);
    body.write(line('ADDED', 'a') + '{"type":"ADDED","obj\n');
    await expect(done).rejects.toMatchObject({ code: 'InvalidResponse' });
    expect(events).toHaveLength(1);
    expect(body.destroyed).toBe(true);
  });

  test('a handler that throws ends the read with its error and releases the connection', async () => {
    const { stream, body } = fakeStream();
    const boom = new Error('handler failed');
    const done = readWatchEvents(stream, {
      clock: systemClock,
      stallMs: 5000,
      path: '/watch',
      onEvent: () => {
        throw boom;
      },
    });
    body.write(line('ADDED', 'a'));
    await expect(done).rejects.toBe(boom);
    expect(body.destroyed).toBe(true);
  });

  test('a connection reset mid-stream is ConnectionFailed, not a normal end', async () => {
    const { stream, body } = fakeStream();
    const done = read(stream, []);
    body.write(line('ADDED', 'a'));
    body.destroy(new Error('socket hang up'));
    const err = await done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeRequestError);
    expect((err as KubeRequestError).code).toBe('ConnectionFailed');
  });

  test('silence longer than stallMs aborts the stream with WatchStalledError', async () => {
    const { stream, body } = fakeStream();
    const events: WatchEvent[] = [];
    const done = read(stream, events, 50);
    body.write(line('ADDED', 'a'));
    await expect(done).rejects.toBeInstanceOf(WatchStalledError);
    expect(events).toHaveLength(1);
    expect(body.destroyed).toBe(true);
  });
});
