// Reads one watch response: newline-delimited JSON events, decoded int64-exact, delivered in order
// to a callback. A watch that sends no bytes for `stallMs` (dead TCP, a wedged proxy: issues
// #364/#596/#958 of the JS client) is aborted and reported as WatchStalledError. Unparseable
// lines are an error (the watch restarts), never silently skipped.

import type { Clock, TimerHandle } from '../base/clock.js';
import { KubeRequestError } from './kube-api-error.js';
import { parseKubeJson } from './kube-json.js';
import type { KubeStream } from './kube-transport.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  readonly type: WatchEventType;
  /** The object (ERROR: a metav1.Status). */
  readonly object: Readonly<Record<string, unknown>>;
}

export class WatchStalledError extends Error {
  override readonly name = 'WatchStalledError';
  readonly code = 'WatchStalled';

  constructor(stallMs: number) {
    super(`watch received no data for ${stallMs} ms; restarting it`);
  }
}

const EVENT_TYPES: ReadonlySet<string> = new Set<WatchEventType>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

export interface ReadWatchOptions {
  readonly clock: Clock;
  readonly stallMs: number;
  /** Request identity for error messages. */
  readonly path: string;
  /** Called synchronously per event; a throw ends the read and propagates. */
  readonly onEvent: (event: WatchEvent) => void;
}

/** Resolves when the server ends the stream; rejects on stall, read failure or a bad line. */
export async function readWatchEvents(stream: KubeStream, options: ReadWatchOptions): Promise<void> {
  const { clock, stallMs } = options;
  const reader = stream.body.getReader();
  const decoder = new TextDecoder();
  let stalled = false;
  const arm = (): TimerHandle =>
    clock.setTimer(() => {
      stalled = true;
      stream.abort(new WatchStalledError(stallMs));
    }, stallMs);
  let timer = arm();
  let buffered = '';
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (stalled) throw new WatchStalledError(stallMs);
        throw new KubeRequestError({ code: 'ConnectionFailed', method: 'WATCH', path: options.path, cause: err });
      }
      timer.cancel();
      if (chunk.done) break;
      timer = arm();
      buffered += decoder.decode(chunk.value, { stream: true });
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        deliver(line, options);
      }
    }
    deliver(buffered + decoder.decode(), options);
  } finally {
    timer.cancel();
    // Stopping early (handler threw, caller aborted) must release the connection.
    await reader.cancel().catch(() => undefined);
  }
}

function deliver(line: string, options: ReadWatchOptions): void {
  if (line.trim() === '') return;
  let parsed: unknown;
  try {
    parsed = parseKubeJson(line);
  } catch (err) {
    throw new KubeRequestError({ code: 'InvalidResponse', method: 'WATCH', path: options.path, cause: err });
  }
  const event = parsed as { type?: unknown; object?: unknown };
  if (
    typeof event !== 'object' ||
    event === null ||
    typeof event.type !== 'string' ||
    !EVENT_TYPES.has(event.type) ||
    typeof event.object !== 'object' ||
    event.object === null
  ) {
    throw new KubeRequestError({ code: 'InvalidResponse', method: 'WATCH', path: options.path });
  }
  options.onEvent({ type: event.type as WatchEventType, object: event.object as Record<string, unknown> });
}
