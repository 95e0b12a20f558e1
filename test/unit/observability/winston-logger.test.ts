import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import type { LoggerConfig } from '../../../src/observability/winston-logger.js';
import { goQuote } from '../../../src/base/go-quote.js';
import { createLogger, formatKlogValue, klogTimestamp } from '../../../src/observability/winston-logger.js';

// Local-time constructor, so the expected klog header does not depend on the machine's TZ.
const NOW = new Date(2026, 10, 23, 0, 12, 5, 25).getTime() + 0.123;

function setup(config: Partial<LoggerConfig> & Pick<LoggerConfig, 'format'>) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ v: 0, now: () => NOW, pid: 12345, caller: false, stream, ...config });
  return { log, lines: () => chunks.join('').split('\n').filter((l) => l !== '') };
}

describe('text format (klog)', () => {
  test('header, quoted message and key=value pairs', () => {
    const { log, lines } = setup({ format: 'text', v: 2 });
    log.v(2).info('Created snapshot', { content: 'snapcontent-1', size: 1024, ready: true });
    expect(lines()).toEqual(['I1123 00:12:05.025123   12345 ???:1] "Created snapshot" content="snapcontent-1" size=1024 ready=true']);
  });

  test('severity letters I, W, E; error lines put err right after the message', () => {
    const { log, lines } = setup({ format: 'text' });
    log.info('a');
    log.warn('b', { k: 1 });
    log.error('c', { k: 1, err: new Error('boom') });
    expect(lines().map((l) => l.slice(0, 1))).toEqual(['I', 'W', 'E']);
    expect(lines()[2]).toMatch(/\] "c" err="boom" k=1$/);
  });

  test('caller is the calling file and line when enabled', () => {
    const { log, lines } = setup({ format: 'text', caller: true });
    log.info('here');
    log.v(0).info('there');
    for (const line of lines()) expect(line).toMatch(/ winston-logger\.test\.ts:\d+\] "/);
  });

  test.each([
    ['plain', '"plain"'],
    ['say "hi"\t\\', '"say \\"hi\\"\\t\\\\"'],
    ['bell\x07nul\x00', '"bell\\anul\\x00"'],
    ['ünïcode ✓', '"ünïcode ✓"'],
    ['zero\u200bwidth', '"zero\\u200bwidth"'],
  ])('goQuote(%j) = %s', (input, quoted) => {
    expect(goQuote(input)).toBe(quoted);
  });

  test.each<[unknown, string]>([
    ['line1\nline2', '<\n\tline1\n\tline2\n >'],
    ['ends with newline\n', '<\n\tends with newline\n >'],
    [42, '42'],
    [1.5, '1.5'],
    [false, 'false'],
    [10n, '10'],
    [null, '<nil>'],
    [undefined, '<nil>'],
    [new Error('e "x"'), '"e \\"x\\""'],
    [new Date(Date.UTC(2026, 0, 1)), '"2026-01-01T00:00:00.000Z"'],
    [{ a: [1, 'b'] }, '{"a":[1,"b"]}'],
  ])('value %p renders as %s', (value, rendered) => {
    expect(formatKlogValue(value)).toBe(rendered);
  });

  test('timestamp keeps microseconds, rounding into the next second', () => {
    expect(klogTimestamp(new Date(2026, 0, 2, 3, 4, 5, 999).getTime() + 0.999)).toBe('0102 03:04:05.999999');
    expect(klogTimestamp(new Date(2026, 0, 2, 3, 4, 5, 999).getTime() + 0.9997)).toBe('0102 03:04:06.000000');
  });
});

describe('json format (component-base zap encoder)', () => {
  test('info line: ts (epoch ms float), msg, v, flattened fields, no level key', () => {
    const { log, lines } = setup({ format: 'json', v: 4 });
    log.v(4).info('Created snapshot', { content: 'snapcontent-1', n: 2 });
    const line = JSON.parse(lines()[0] ?? '') as Record<string, unknown>;
    expect(line).toEqual({ ts: NOW, msg: 'Created snapshot', v: 4, content: 'snapcontent-1', n: 2 });
    expect(Object.keys(line)).toEqual(['ts', 'msg', 'v', 'content', 'n']);
  });

  test('error line: err, no v; warning: v 0 like upstream', () => {
    const { log, lines } = setup({ format: 'json' });
    log.error('failed', { err: new Error('boom'), content: 'c' });
    log.warn('careful');
    expect(lines().map((l) => JSON.parse(l) as unknown)).toEqual([
      { ts: NOW, msg: 'failed', err: 'boom', content: 'c' },
      { ts: NOW, msg: 'careful', v: 0 },
    ]);
  });

  test('caller follows ts when enabled', () => {
    const { log, lines } = setup({ format: 'json', caller: true });
    log.info('x');
    const line = JSON.parse(lines()[0] ?? '') as Record<string, unknown>;
    expect(Object.keys(line).slice(0, 3)).toEqual(['ts', 'caller', 'msg']);
    expect(line['caller']).toMatch(/^winston-logger\.test\.ts:\d+$/);
  });
});

describe('verbosity gate', () => {
  test.each(['text', 'json'] as const)('%s: v(n) prints only when n <= --v; warn and error always print', (format) => {
    const { log, lines } = setup({ format, v: 2 });
    log.v(3).info('hidden');
    log.v(2).info('shown-2');
    log.v(0).info('shown-0');
    log.warn('shown-warn');
    log.error('shown-error');
    expect(lines()).toHaveLength(4);
    expect(lines().join('\n')).not.toContain('hidden');
    expect(log.enabled(2)).toBe(true);
    expect(log.enabled(3)).toBe(false);
  });

  test('a disabled line never touches its fields', () => {
    const { log, lines } = setup({ format: 'json', v: 1 });
    const fields = {
      get expensive(): string {
        throw new Error('fields of a disabled line were read');
      },
    };
    expect(() => log.v(5).info('nope', fields)).not.toThrow();
    expect(lines()).toEqual([]);
  });
});

describe('with()', () => {
  test('binds fields to every line; call-site fields win on a clash; the parent is unchanged', () => {
    const { log, lines } = setup({ format: 'json', v: 1 });
    const child = log.with({ content: 'c1', driver: 'd' });
    child.v(1).info('one', { driver: 'other' });
    child.with({ attempt: 2 }).error('two');
    log.info('three');
    expect(lines().map((l) => JSON.parse(l) as unknown)).toEqual([
      { ts: NOW, msg: 'one', v: 1, content: 'c1', driver: 'other' },
      { ts: NOW, msg: 'two', content: 'c1', driver: 'd', attempt: 2 },
      { ts: NOW, msg: 'three', v: 0 },
    ]);
  });
});

describe('secrets never reach a log line', () => {
  test.each(['text', 'json'] as const)('%s at --v=10', (format) => {
    const { log, lines } = setup({ format, v: 10 });
    const request = { name: 'snap', parameters: { a: 'b' }, secrets: { password: 'hunter2-password' } };
    log.v(10).info('GRPC call', { request });
    log.v(5).info('GRPC call', { secrets: { token: 'hunter2-token' } });
    log.with({ req: request }).warn('bound');
    log.error('failed', { err: { secrets: { k: 'hunter2-in-err' } }, list: [new Map([['secrets', 'hunter2-in-map']])] });
    const out = lines().join('\n');
    expect(lines()).toHaveLength(4);
    expect(out).not.toContain('hunter2');
    expect(out).toContain('***stripped***');
    expect(out).toContain('snap');
  });
});

describe('writes are synchronous', () => {
  test('the line logged right before process.exit() reaches a full pipe (child process)', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/exit-after-log.mjs', import.meta.url));
    const filler = 5000; // ~300 KB: far beyond the 64 KiB pipe buffer, so the reader lags the writer
    const child = spawn(process.execPath, ['--no-warnings', fixture, 'json', String(filler)], { stdio: ['ignore', 'ignore', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    clearTimeout(killer);
    const lines = Buffer.concat(chunks).toString('utf8').trimEnd().split('\n');
    expect(code).toBe(7);
    expect(lines).toHaveLength(filler + 1);
    expect(JSON.parse(lines[lines.length - 1] ?? '')).toMatchObject({ msg: 'final line before exit', err: 'boom' });
  }, 40_000);
});
