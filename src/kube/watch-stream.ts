// Reads one watch response: newline-delimited JSON events, decoded int64-exact, delivered in order
// to a callback. A watch that sends no bytes for `stallMs` (dead TCP, a wedged proxy: issues
// #364/#596/#958 of the JS client) is aborted and reported as WatchStalledError. Unparseable
// lines are an error (the watch restarts), never silently skipped.

import type { Clock, TimerHandle } from '../base/clock.js';
import { CodedError } from '../base/coded-error.js';
import { KubeRequestError } from './kube-api-error.js';
import { parseKubeJson } from './kube-json.js';
import type { KubeStream } from './kube-transport.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  readonly type: WatchEventType;
  /** The object (ERROR: a metav1.Status). */
  readonly object: Readonly<Record<string, unknown>>;
}

export class WatchStalledError extends CodedError<'WatchStalled'> {
  override readonly name = 'WatchStalledError';

  constructor(stallMs: number) {
    super('WatchStalled', `watch received no data for ${stallMs} ms; restarting it`);
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
export function readWatchEvents(stream: KubeStream, options: ReadWatchOptions): Promise<void> {
  const { clock, stallMs } = options;
  const body = stream.body;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let stalled = false;
    // Bytes after the last newline. Lines are cut at byte 0x0A, which never occurs inside a
    // multi-byte UTF-8 sequence, so each line decodes on its own.
    let rest: Buffer | undefined;
    let timer: TimerHandle | undefined;
    const arm = (): void => {
      timer?.cancel();
      timer = clock.setTimer(() => {
        stalled = true;
        stream.abort(new WatchStalledError(stallMs));
      }, stallMs);
    };
    const settle = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      timer?.cancel();
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
      if (err === undefined) {
        resolve();
        return;
      }
      // Stopping early (handler threw, bad line) must release the connection.
      if (!body.destroyed) body.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      arm();
      try {
        let start = 0;
        for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
          const piece = chunk.subarray(start, nl);
          const line = rest === undefined ? piece : Buffer.concat([rest, piece]);
          rest = undefined;
          start = nl + 1;
          deliver(line.toString('utf8'), options);
        }
        if (start < chunk.length) {
          const tail = chunk.subarray(start);
          rest = rest === undefined ? Buffer.from(tail) : Buffer.concat([rest, tail]);
        }
      } catch (err) {
        settle(err);
      }
    };
    const onEnd = (): void => {
      try {
        if (rest !== undefined) deliver(rest.toString('utf8'), options);
        settle();
      } catch (err) {
        settle(err);
      }
    };
    const failure = (cause?: unknown): unknown =>
      stalled
        ? new WatchStalledError(stallMs)
        : new KubeRequestError({ code: 'ConnectionFailed', method: 'WATCH', path: options.path, ...(cause !== undefined ? { cause } : {}) });
    const onError = (err: unknown): void => settle(failure(err));
    // Destroyed without an error (a reset the parser saw as a clean close): not a normal end.
    const onClose = (): void => settle(failure());
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
    arm();
  });
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
