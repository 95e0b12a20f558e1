// The process logger: klog's line shapes on winston's format + transport. Severity
// (info/warn/error) is a winston level; klog verbosity is our gate, checked in `v(n)` before any
// field is built, so a disabled line costs one comparison. Both shapes go to stderr, as klog's:
//  text (default): I1123 00:12:05.025123   12345 file.ts:88] "msg" key="value"
//  json: component-base's zap encoder: {"ts":<epoch ms float>,"caller":"file.ts:88","msg":"…","v":2,…}
//        `err` on error lines (which carry no `v`), no level key, exactly as upstream; so, as
//        upstream, a warning reads as a V(0) info line in JSON (text keeps its W letter).
// Every field value passes redactSecrets: no line can carry a CSI `secrets` map at any verbosity.
// Writes are synchronous end to end (see SyncFdWritable), so the line before process.exit() lands.

import { writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import winston from 'winston';
import type { LogFields, Logger, LogSink } from './logger.js';
import { redactFields } from './redact.js';
import { goQuote } from '../base/go-quote.js';

export type LogFormat = 'text' | 'json';
export type Severity = 'I' | 'W' | 'E';

export interface LoggerConfig {
  /** klog verbosity (--v): `v(n).info` prints only when n <= v. */
  readonly v: number;
  readonly format: LogFormat;
  /** Destination; synchronous writes to fd 2 (stderr) when absent. */
  readonly stream?: Writable;
  /** Wall-clock epoch milliseconds with sub-millisecond fraction (tests pin it). */
  readonly now?: () => number;
  /** The pid in the text header (tests pin it). */
  readonly pid?: number;
  /** Resolve the caller's `file:line` per line (one short stack capture). Default true. */
  readonly caller?: boolean;
}

/** One line before rendering. */
export interface KlogRecord {
  readonly severity: Severity;
  readonly v: number;
  /** Epoch milliseconds, fraction allowed. */
  readonly ts: number;
  readonly pid: number;
  readonly caller: string | undefined;
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

// ---------------------------------------------------------------- text (klog)

// klog renders a multi-line string as a block: value lines indented by a tab, the end by a space.
function multiline(s: string): string {
  const lines = s.split('\n');
  const last = lines.pop() ?? '';
  return '<\n' + lines.map((l) => `\t${l}\n`).join('') + (last === '' ? ' >' : `\t${last}\n >`);
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return value.message;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value === undefined) return null;
  return value;
}

/**
 * klog's value rules: strings Go-quoted (multi-line as a block), numbers and booleans bare, errors
 * by message, nil as <nil>; anything else as JSON (klog's Go %+v has no JavaScript equivalent).
 */
export function formatKlogValue(value: unknown): string {
  if (typeof value === 'string') return value.includes('\n') ? multiline(value) : goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return '<nil>';
  if (value instanceof Error) return formatKlogValue(value.message);
  if (value instanceof Date) return goQuote(value.toISOString());
  return JSON.stringify(value, jsonSafe) ?? '<nil>';
}

const two = (n: number): string => String(n).padStart(2, '0');

/** klog's header time: local time, `mmdd hh:mm:ss.uuuuuu` (rounded to the microsecond). */
export function klogTimestamp(ts: number): string {
  const totalMicros = Math.round(ts * 1000);
  const d = new Date(Math.floor(totalMicros / 1000));
  const micros = ((totalMicros % 1_000_000) + 1_000_000) % 1_000_000;
  const date = `${two(d.getMonth() + 1)}${two(d.getDate())}`;
  return `${date} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(micros).padStart(6, '0')}`;
}

export function formatKlogText(r: KlogRecord): string {
  // klog prints `???:1` when it cannot resolve the caller.
  let line = `${r.severity}${klogTimestamp(r.ts)} ${String(r.pid).padStart(7)} ${r.caller ?? '???:1'}] ${goQuote(r.msg)}`;
  const { err, ...rest } = r.fields;
  // klog's ErrorS prints err right after the message; on other lines it is an ordinary key.
  if (r.severity === 'E' && err !== undefined) line += ` err=${formatKlogValue(err)}`;
  for (const [k, v] of Object.entries(r.severity === 'E' ? rest : r.fields)) line += ` ${k}=${formatKlogValue(v)}`;
  return line;
}

// ---------------------------------------------------------------- json (component-base zap)

export function formatZapJson(r: KlogRecord): string {
  const line: Record<string, unknown> = { ts: r.ts };
  if (r.caller !== undefined) line['caller'] = r.caller;
  line['msg'] = r.msg;
  if (r.severity !== 'E') line['v'] = r.v;
  const { err, ...rest } = r.fields;
  if (r.severity === 'E' && err !== undefined) line['err'] = err;
  for (const [k, v] of Object.entries(r.severity === 'E' ? rest : r.fields)) if (!(k in line)) line[k] = v;
  return JSON.stringify(line, jsonSafe);
}

// ---------------------------------------------------------------- output

/**
 * A Writable that writes each chunk to a file descriptor before returning. process.stderr on a
 * pipe is asynchronous in Node on Linux once the pipe is full (lines queued in memory are lost on
 * process.exit; reproduced with a slow reader), so the default destination bypasses it. EAGAIN on
 * the non-blocking fd is retried after a 1 ms wait; a closed reader (EPIPE) drops the line.
 */
export class SyncFdWritable extends Writable {
  private readonly pause = new Int32Array(new SharedArrayBuffer(4));
  private readonly fd: number;
  constructor(fd: number) {
    super({ decodeStrings: true });
    this.fd = fd;
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    let offset = 0;
    while (offset < chunk.length) {
      try {
        offset += writeSync(this.fd, chunk, offset);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') break; // nowhere left to report it
        Atomics.wait(this.pause, 0, 0, 1);
      }
    }
    done();
  }
}

const WINSTON_LEVEL: Readonly<Record<Severity, string>> = { I: 'info', W: 'warn', E: 'error' };
const MESSAGE = Symbol.for('message');
const LEVEL = Symbol.for('level');
const RECORD = Symbol.for('csi-snapshotter.klog-record');
type Renderer = (r: KlogRecord) => string;

function klogFormat(render: Renderer): winston.Logform.Format {
  return winston.format((info) => {
    const record = (info as unknown as Record<symbol, KlogRecord | undefined>)[RECORD];
    if (record !== undefined) (info as unknown as Record<symbol, string>)[MESSAGE] = render(record);
    return info;
  })();
}

// The first stack frame above `skip`: `at fn (file:///…/dir/file.ts:88:5)` → `file.ts:88`.
function callerOf(skip: (...args: never[]) => unknown): string | undefined {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 1;
  Error.captureStackTrace(holder, skip);
  Error.stackTraceLimit = limit;
  const frame = holder.stack?.split('\n')[1];
  const m = frame === undefined ? null : /([^/\\\s()]+):(\d+):\d+\)?\s*$/.exec(frame);
  return m === null ? undefined : `${m[1] ?? ''}:${m[2] ?? ''}`;
}

export function createLogger(config: LoggerConfig): Logger {
  const now = config.now ?? ((): number => performance.timeOrigin + performance.now());
  const pid = config.pid ?? process.pid;
  const withCaller = config.caller ?? true;
  const transport = new winston.transports.Stream({ stream: config.stream ?? new SyncFdWritable(2) });
  const format = klogFormat(config.format === 'json' ? formatZapJson : formatKlogText);
  // Straight to the transport rather than through winston.Logger: the Logger is a Transform piped
  // to its transports that buffers until its first read on the next tick, so lines logged right
  // after creation and before process.exit() were lost (the child-process test reproduces it).
  const write = (info: winston.Logform.TransformableInfo): void => {
    const out = format.transform(info);
    if (out !== false) transport.log?.(out, () => undefined);
  };

  const emit = (
    line: { readonly severity: Severity; readonly v: number; readonly msg: string },
    fields: LogFields,
    from: (...args: never[]) => unknown,
  ): void => {
    const record: KlogRecord = {
      ...line,
      ts: now(),
      pid,
      caller: withCaller ? callerOf(from) : undefined,
      fields: redactFields(fields),
    };
    const level = WINSTON_LEVEL[line.severity];
    write({ level, message: line.msg, [LEVEL]: level, [RECORD]: record });
  };

  const make = (bound: LogFields): Logger => {
    const merged = (fields: LogFields | undefined): LogFields => (fields === undefined ? bound : { ...bound, ...fields });
    const sinks = new Map<number, LogSink>();
    const noop: LogSink = { info: () => undefined };
    return {
      info: function info(msg, fields) {
        emit({ severity: 'I', v: 0, msg }, merged(fields), info);
      },
      warn: function warn(msg, fields) {
        emit({ severity: 'W', v: 0, msg }, merged(fields), warn);
      },
      error: function error(msg, fields) {
        emit({ severity: 'E', v: 0, msg }, merged(fields), error);
      },
      v(level) {
        if (level > config.v) return noop;
        let sink = sinks.get(level);
        if (sink === undefined) {
          sink = {
            info: function info(msg, fields) {
              emit({ severity: 'I', v: level, msg }, merged(fields), info);
            },
          };
          sinks.set(level, sink);
        }
        return sink;
      },
      enabled: (level) => level <= config.v,
      with: (fields) => make(merged(fields)),
    };
  };
  return make({});
}
