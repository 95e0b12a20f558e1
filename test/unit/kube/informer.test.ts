import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Informer, type InformerEventType } from '../../../src/kube/informer.js';
import type { Logger } from '../../../src/observability/logger.js';
import { ResourceClient } from '../../../src/kube/resource-client.js';
import { VOLUME_SNAPSHOT_CONTENT } from '../../../src/kube/resources.js';
import type { VolumeSnapshotContent } from '../../../src/kube/types.js';
import { FakeApiServer, type FakeResponse, type RecordedRequest } from '../../support/fake-apiserver.js';
import { waitFor } from '../../support/polling.js';
import { capturingLogger, makeStack, vsc } from './harness.js';
import { VirtualClock } from '../../support/virtual-clock.js';

let server: FakeApiServer;
beforeAll(async () => {
  server = await FakeApiServer.start();
});
afterAll(async () => {
  await server.close();
});

interface Seen {
  readonly type: InformerEventType;
  readonly name: string;
  readonly oldRv: string | undefined;
  readonly newRv: string | undefined;
}

const list = (rv: string, ...items: VolumeSnapshotContent[]): unknown => ({ kind: 'VolumeSnapshotContentList', metadata: { resourceVersion: rv }, items });

let runs = 0;
/** Watches of withInformer ask timeoutSeconds=0, so a watch stalls after this grace alone. */
const STALL_MS = 250;
const BACKOFF = { initialMs: 5, maxMs: 20 };

/**
 * Lets the informer's next back-off sleep run out on the virtual clock: waits (in real time, for
 * the fake server's answer) until a timer no further away than the longest back-off is pending,
 * then advances to it. Request and stall deadlines are farther off, so they never fire here.
 */
async function afterBackoff(clock: VirtualClock, what: string): Promise<void> {
  const dueSoon = (): boolean => {
    const due = clock.nextDue();
    return due !== undefined && due - clock.monotonic() <= BACKOFF.maxMs;
  };
  await waitFor(dueSoon, `back-off before ${what}`);
  await clock.advance((clock.nextDue() ?? clock.monotonic()) - clock.monotonic());
}

/** Lets back-off sleeps run out, one at a time, until cond holds (at most `limit` of them). */
async function backoffsUntil(clock: VirtualClock, cond: () => boolean, what: string, limit = 5): Promise<void> {
  for (let i = 0; i <= limit; i++) {
    await waitFor(() => cond() || (clock.nextDue() ?? Infinity) - clock.monotonic() <= BACKOFF.maxMs, what);
    if (cond()) return;
    await afterBackoff(clock, what);
  }
  throw new Error(`still not ${what} after ${limit} back-offs`);
}

/**
 * Runs an informer against the scripted server; the script sees LISTs and WATCHes numbered from 1.
 * Informer and transport run on a virtual clock: no stall, back-off or request deadline passes
 * unless the test advances it (real time only carries the loopback HTTP). A watch that ends with
 * no event therefore always ends "at once" and backs off (client-go's very short watch).
 */
async function withInformer(
  script: { list: (n: number, req: RecordedRequest, res: FakeResponse) => void; watch: (n: number, req: RecordedRequest, res: FakeResponse) => void },
  body: (ctx: {
    informer: Informer<VolumeSnapshotContent>;
    seen: Seen[];
    lists: RecordedRequest[];
    watches: RecordedRequest[];
    clock: VirtualClock;
  }) => Promise<void>,
  options: { labelSelector?: string; logger?: Logger; streamingList?: boolean; watchTimeoutSeconds?: { min: number; max: number } } = {},
): Promise<void> {
  const lists: RecordedRequest[] = [];
  const watches: RecordedRequest[] = [];
  // A request the previous test's informer sent just before it stopped can reach the server
  // after this handler is installed: each run has its own User-Agent, and strays are refused.
  const userAgent = `csi-snapshotter/9.9.9-test-${++runs}`;
  server.handle((req, res) => {
    if (req.headers['user-agent'] !== userAgent) return res.status(410, 'Gone', 'a previous test run');
    if (req.query.get('watch') === 'true') {
      watches.push(req);
      script.watch(watches.length, req, res);
    } else {
      lists.push(req);
      script.list(lists.length, req, res);
    }
  });
  const clock = new VirtualClock();
  const { kc, transport } = makeStack(server, { clock, userAgent });
  const informer = new Informer<VolumeSnapshotContent>({
    client: new ResourceClient(transport, VOLUME_SNAPSHOT_CONTENT),
    transport,
    clock,
    watchTimeoutSeconds: { min: 0, max: 0 },
    stallGraceMs: STALL_MS,
    backoff: BACKOFF,
    random: () => 0.5,
    streamingList: false, // the list/watch tests; the streaming list has its own describe below
    ...options,
  });
  const seen: Seen[] = [];
  informer.onEvent((type, oldObj, newObj) =>
    seen.push({ type, name: newObj.metadata.name, oldRv: oldObj?.metadata.resourceVersion, newRv: newObj.metadata.resourceVersion }),
  );
  const stop = new AbortController();
  const running = informer.run(stop.signal);
  try {
    await body({ informer, seen, lists, watches, clock });
  } finally {
    stop.abort();
    await running;
    server.endAll();
    await kc.close();
  }
}

describe('Informer supervisor', () => {
  test('the first list delivers ADDED, marks synced, and the watch starts from the list RV with bookmarks and a 300-600 s timeout', async () => {
    await withInformer(
      { list: (_n, _q, res) => res.json(200, list('10', vsc('a', '9'))), watch: (_n, _q, res) => void res.stream() },
      async ({ informer, seen, watches }) => {
        await informer.waitForSync(AbortSignal.timeout(4000));
        expect(informer.hasSynced()).toBe(true);
        expect(seen).toEqual([{ type: 'ADDED', name: 'a', oldRv: undefined, newRv: '9' }]);
        await waitFor(() => watches.length === 1, 'first watch');
        const q = watches[0]?.query;
        expect(q?.get('resourceVersion')).toBe('10');
        expect(q?.get('allowWatchBookmarks')).toBe('true');
        const timeout = Number(q?.get('timeoutSeconds'));
        expect(timeout >= 300 && timeout <= 600).toBe(true);
      },
      { watchTimeoutSeconds: { min: 300, max: 600 } },
    );
  });

  test('a watch the server closes resumes from the last event RV, with the old object from the cache', async () => {
    await withInformer(
      {
        list: (_n, _q, res) => res.json(200, list('10', vsc('a', '10'))),
        watch: (n, _q, res) => {
          const s = res.stream();
          if (n === 1) {
            s.send('MODIFIED', vsc('a', '11'));
            s.end();
          }
        },
      },
      async ({ seen, lists, watches }) => {
        await waitFor(() => watches.length === 2, 'second watch');
        expect(watches[1]?.query.get('resourceVersion')).toBe('11');
        expect(lists).toHaveLength(1);
        expect(seen).toContainEqual({ type: 'MODIFIED', name: 'a', oldRv: '10', newRv: '11' });
      },
    );
  });

  test('bookmarks advance the resume RV without handler calls', async () => {
    await withInformer(
      {
        list: (_n, _q, res) => res.json(200, list('10', vsc('a', '10'))),
        watch: (n, _q, res) => {
          const s = res.stream();
          if (n === 1) {
            s.send('BOOKMARK', { kind: 'VolumeSnapshotContent', metadata: { name: '', resourceVersion: '15' } });
            s.end();
          }
        },
      },
      async ({ informer, seen, watches }) => {
        await waitFor(() => watches.length === 2, 'second watch');
        expect(watches[1]?.query.get('resourceVersion')).toBe('15');
        expect(informer.resourceVersion).toBe('15');
        expect(seen.map((s) => s.type)).toEqual(['ADDED']);
      },
    );
  });

  test.each(['http-status', 'error-event'])(
    '410 Gone (%s) relists; objects missing from the relist are DELETED with the last known object',
    async (how) => {
      await withInformer(
        {
          list: (n, _q, res) =>
            n === 1 ? res.json(200, list('10', vsc('a', '10'), vsc('b', '10'))) : res.json(200, list('20', vsc('a', '12'))),
          watch: (n, _q, res) => {
            if (n > 1) return void res.stream();
            if (how === 'http-status') return res.status(410, 'Expired', 'too old resource version: 10 (15)');
            const s = res.stream();
            s.send('ERROR', { kind: 'Status', status: 'Failure', reason: 'Expired', code: 410, message: 'too old' });
            s.end();
          },
        },
        async ({ seen, lists, watches }) => {
          await waitFor(() => watches.length === 2, 'watch after relist');
          expect(lists).toHaveLength(2);
          // Consistent reads in pages of 500 (see InformerOptions.pageSize for the measured trade-off).
          expect(lists.map((l) => [l.query.get('resourceVersion'), l.query.get('limit')])).toEqual([
            [null, '500'],
            [null, '500'],
          ]);
          expect(watches[1]?.query.get('resourceVersion')).toBe('20');
          expect(seen.slice(2)).toEqual([
            { type: 'DELETED', name: 'b', oldRv: '10', newRv: '10' },
            { type: 'MODIFIED', name: 'a', oldRv: '10', newRv: '12' },
          ]);
        },
      );
    },
  );

  test('a watch DELETED event removes the object and passes old and final state', async () => {
    await withInformer(
      {
        list: (_n, _q, res) => res.json(200, list('10', vsc('a', '10'))),
        watch: (n, _q, res) => {
          const s = res.stream();
          if (n === 1) s.send('DELETED', vsc('a', '11'));
        },
      },
      async ({ informer, seen }) => {
        await waitFor(() => seen.length === 2, 'delete event');
        expect(seen[1]).toEqual({ type: 'DELETED', name: 'a', oldRv: '10', newRv: '11' });
        expect(informer.get('a')).toBeUndefined();
      },
    );
  });

  test('a stalled watch (a bookmark, then silence) is restarted exactly timeoutSeconds + stallGraceMs after its last byte, from its last RV', async () => {
    await withInformer(
      {
        list: (_n, _q, res) => res.json(200, list('10', vsc('a', '10'))),
        watch: (n, _q, res) => {
          const s = res.stream();
          if (n === 1) s.send('BOOKMARK', { kind: 'VolumeSnapshotContent', metadata: { name: '', resourceVersion: '11' } });
        },
      },
      async ({ informer, lists, watches, clock }) => {
        await waitFor(() => informer.resourceVersion === '11', 'the bookmark read');
        const lastByte = clock.monotonic();
        expect(clock.nextDue()).toBe(lastByte + STALL_MS);
        await clock.advance(STALL_MS - 1);
        expect(clock.nextDue()).toBe(lastByte + STALL_MS); // not yet stalled
        expect(watches).toHaveLength(1);
        await clock.advance(1);
        await backoffsUntil(clock, () => watches.length === 2, 'watch restarted after a stall');
        expect(watches[1]?.query.get('resourceVersion')).toBe('11');
        expect(lists).toHaveLength(1);
      },
    );
  });

  test('a 500 on list is retried, not fatal; the informer then syncs', async () => {
    await withInformer(
      {
        list: (n, _q, res) => (n < 3 ? res.status(500, 'InternalError', 'etcd unavailable') : res.json(200, list('10', vsc('a', '10')))),
        watch: (_n, _q, res) => void res.stream(),
      },
      async ({ informer, lists, clock }) => {
        await backoffsUntil(clock, () => lists.length === 3, 'the third list');
        await informer.waitForSync(AbortSignal.timeout(4000));
        expect(lists).toHaveLength(3);
      },
    );
  });

  test('403 is logged once with the RBAC remedy and retried until it succeeds', async () => {
    const { logger, warnings } = capturingLogger();
    await withInformer(
      {
        list: (n, _q, res) => (n < 4 ? res.status(403, 'Forbidden', 'forbidden') : res.json(200, list('10'))),
        watch: (_n, _q, res) => void res.stream(),
      },
      async ({ informer, lists, clock }) => {
        await backoffsUntil(clock, () => lists.length === 4, 'the fourth list');
        await informer.waitForSync(AbortSignal.timeout(4000));
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain('"list" and "watch" on volumesnapshotcontents.snapshot.storage.k8s.io');
      },
      { logger },
    );
  });

  test('404 names the missing CRD and keeps retrying', async () => {
    const { logger, warnings } = capturingLogger();
    await withInformer(
      {
        list: (n, _q, res) => (n < 3 ? res.status(404, 'NotFound', 'the server could not find the requested resource') : res.json(200, list('10'))),
        watch: (_n, _q, res) => void res.stream(),
      },
      async ({ informer, lists, clock }) => {
        await backoffsUntil(clock, () => lists.length === 3, 'the third list');
        await informer.waitForSync(AbortSignal.timeout(4000));
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain('CRD is not installed');
      },
      { logger },
    );
  });

  test('the label selector is sent on list and watch', async () => {
    await withInformer(
      { list: (_n, _q, res) => res.json(200, list('10')), watch: (_n, _q, res) => void res.stream() },
      async ({ lists, watches }) => {
        await waitFor(() => watches.length === 1, 'watch');
        const selector = 'snapshot.storage.kubernetes.io/managed-by=node-1';
        expect(lists[0]?.query.get('labelSelector')).toBe(selector);
        expect(watches[0]?.query.get('labelSelector')).toBe(selector);
      },
      { labelSelector: 'snapshot.storage.kubernetes.io/managed-by=node-1' },
    );
  });

  test('a handler that throws does not stop event delivery', async () => {
    await withInformer(
      {
        list: (_n, _q, res) => res.json(200, list('10', vsc('a', '10'))),
        watch: (n, _q, res) => {
          const s = res.stream();
          if (n === 1) s.send('ADDED', vsc('b', '11'));
        },
      },
      async ({ informer, seen }) => {
        informer.onEvent(() => {
          throw new Error('handler bug');
        });
        await waitFor(() => seen.some((s) => s.name === 'b'), 'event after a throwing handler');
        expect(informer.get('b')?.metadata.resourceVersion).toBe('11');
      },
    );
  });
});

const END_OF_INITIAL = (rv: string): unknown => ({
  kind: 'VolumeSnapshotContent',
  // As kube-apiserver sends it for a custom resource: no name.
  metadata: { resourceVersion: rv, annotations: { 'k8s.io/initial-events-end': 'true' } },
});

describe('Informer streaming list (WatchList)', () => {
  test('one watch with sendInitialEvents lists and then watches: synced at the end bookmark, no LIST request', async () => {
    let first: ReturnType<FakeResponse['stream']> | undefined;
    await withInformer(
      {
        list: (_n, _q, res) => res.status(500, 'InternalError', 'no LIST expected'),
        watch: (n, _q, res) => {
          const s = res.stream();
          if (n === 1) first = s;
        },
      },
      async ({ informer, seen, lists, watches, clock }) => {
        await waitFor(() => first !== undefined, 'streaming watch');
        const q = watches[0]?.query;
        expect(q?.get('sendInitialEvents')).toBe('true');
        expect(q?.get('resourceVersionMatch')).toBe('NotOlderThan');
        expect(q?.get('resourceVersion')).toBeNull();
        expect(q?.get('allowWatchBookmarks')).toBe('true');
        // The stall deadline moves with every chunk the informer reads, so it shows (with no
        // real-time wait) that each event was read before the checks below.
        for (const [i, obj] of [vsc('a', '8'), vsc('b', '9')].entries()) {
          await clock.advance(1);
          first?.send('ADDED', obj);
          await waitFor(() => clock.nextDue() === i + 1 + STALL_MS, `initial event ${obj.metadata.name} read`);
        }
        expect(informer.hasSynced()).toBe(false);
        expect(seen).toEqual([]);
        first?.send('BOOKMARK', END_OF_INITIAL('10'));
        await informer.waitForSync(AbortSignal.timeout(4000));
        expect(informer.resourceVersion).toBe('10');
        expect(seen.map((e) => [e.type, e.name])).toEqual([
          ['ADDED', 'a'],
          ['ADDED', 'b'],
        ]);
        first?.send('MODIFIED', vsc('a', '11'));
        await waitFor(() => seen.length === 3, 'live event on the same stream');
        expect(seen[2]).toEqual({ type: 'MODIFIED', name: 'a', oldRv: '8', newRv: '11' });
        expect(lists).toHaveLength(0);
        expect(watches).toHaveLength(1);
      },
      { streamingList: true },
    );
  });

  test('after 410 the streamed list replaces the cache: objects it no longer holds are DELETED', async () => {
    await withInformer(
      {
        list: (_n, _q, res) => res.status(500, 'InternalError', 'no LIST expected'),
        watch: (n, _q, res) => {
          const s = res.stream();
          if (n === 1) {
            s.send('ADDED', vsc('a', '8'));
            s.send('ADDED', vsc('b', '9'));
            s.send('BOOKMARK', END_OF_INITIAL('10'));
            s.send('ERROR', { kind: 'Status', status: 'Failure', reason: 'Expired', code: 410, message: 'too old' });
            s.end();
          } else if (n === 2) {
            s.send('ADDED', vsc('a', '12'));
            s.send('BOOKMARK', END_OF_INITIAL('20'));
          }
        },
      },
      async ({ informer, seen, watches }) => {
        await waitFor(() => seen.length === 4, 'relist by stream');
        expect(watches[1]?.query.get('sendInitialEvents')).toBe('true');
        expect(seen.slice(2)).toEqual([
          { type: 'DELETED', name: 'b', oldRv: '9', newRv: '9' },
          { type: 'MODIFIED', name: 'a', oldRv: '8', newRv: '12' },
        ]);
        expect(informer.resourceVersion).toBe('20');
      },
      { streamingList: true },
    );
  });

  test.each([
    ['refuses it with 422', 'refuse'],
    ['ignores it (a bookmark without the end mark)', 'ignore'],
  ])('a server that %s gets a paginated LIST and plain watches from then on', async (_what, how) => {
    await withInformer(
      {
        list: (_n, _q, res) => res.json(200, list('10', vsc('a', '10'))),
        watch: (n, q, res) => {
          if (q.query.get('sendInitialEvents') === 'true') {
            if (how === 'refuse') return res.status(422, 'Invalid', 'sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled');
            const s = res.stream();
            s.send('BOOKMARK', { kind: 'VolumeSnapshotContent', metadata: { name: '', resourceVersion: '7' } });
            return;
          }
          const s = res.stream();
          if (n === 2) s.end(); // one plain watch ends; the next must resume, not stream-list again
        },
      },
      async ({ informer, lists, watches, clock }) => {
        await backoffsUntil(clock, () => informer.hasSynced(), 'synced');
        await backoffsUntil(clock, () => watches.length === 3, 'resumed plain watch');
        expect(lists).toHaveLength(1);
        expect(watches.map((w) => w.query.get('sendInitialEvents'))).toEqual(['true', null, null]);
        expect(watches[2]?.query.get('resourceVersion')).toBe('10');
      },
      { streamingList: true },
    );
  });
});


// Issue 13 item 10: an idle CRD watch may carry no bookmark for minutes (measured against the
// world's kube-apiserver, see the report); client-go's reflector never restarts a healthy idle
// watch, it lets the server end it at timeoutSeconds and watches again. Virtual time for the
// informer's timers, a real HTTPS server for the watch.
describe('Informer idle watch (no events, no bookmarks)', () => {
  async function idleWatch(
    onWatch: (n: number, res: FakeResponse, clock: VirtualClock) => void,
    body: (ctx: { clock: VirtualClock; watches: RecordedRequest[]; lines: string[] }) => Promise<void>,
  ): Promise<void> {
    const clock = new VirtualClock();
    const watches: RecordedRequest[] = [];
    const userAgent = `csi-snapshotter/9.9.9-test-${++runs}`; // as in withInformer: strays refused
    server.handle((req, res) => {
      if (req.headers['user-agent'] !== userAgent) return res.status(410, 'Gone', 'a previous test run');
      if (req.query.get('watch') === 'true') {
        watches.push(req);
        onWatch(watches.length, res, clock);
      } else {
        res.json(200, list('10', vsc('a', '10')));
      }
    });
    const { kc, transport } = makeStack(server, { userAgent });
    const lines: string[] = [];
    const sink = { info: (msg: string): void => void lines.push(msg) };
    const logger: Logger = { ...sink, warn: sink.info, error: sink.info, v: () => sink, enabled: () => true, with: () => logger };
    const informer = new Informer<VolumeSnapshotContent>({
      client: new ResourceClient(transport, VOLUME_SNAPSHOT_CONTENT),
      transport,
      clock,
      logger,
      watchTimeoutSeconds: { min: 300, max: 300 },
      random: () => 0.5,
      streamingList: false,
    });
    const stop = new AbortController();
    const running = informer.run(stop.signal);
    try {
      await waitFor(() => watches.length === 1, 'first watch');
      await body({ clock, watches, lines });
    } finally {
      stop.abort();
      await running;
      server.endAll();
      await kc.close();
    }
  }

  /** Advances virtual time in steps, letting the real sockets breathe between them. */
  async function advance(clock: VirtualClock, ms: number): Promise<void> {
    for (let done = 0; done < ms; done += 10_000) {
      await clock.advance(Math.min(10_000, ms - done));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  test('TestIdleWatchNotRestarted: a silent watch is kept for its whole timeoutSeconds (300 s here), then 30 s of grace', async () => {
    await idleWatch(
      (_n, res) => void res.stream(),
      async ({ clock, watches, lines }) => {
        expect(watches[0]?.query.get('timeoutSeconds')).toBe('300');
        await advance(clock, 329_000);
        expect(watches).toHaveLength(1);
        expect(lines).not.toContain('watch stalled; restarting');
        await advance(clock, 2_000);
        await waitFor(() => watches.length === 2, 'watch restarted once the server overran its timeoutSeconds');
        expect(watches[1]?.query.get('resourceVersion')).toBe('10');
      },
    );
  });

  test('a silent watch the server ends at timeoutSeconds is resumed at once, without back-off', async () => {
    const open: { end(): void }[] = [];
    await idleWatch(
      (_n, res) => void open.push(res.stream()),
      async ({ clock, watches }) => {
        await advance(clock, 300_000);
        open[0]?.end(); // the server's timeoutSeconds is over
        // Virtual time stands still from here: a back-off timer would never fire.
        await waitFor(() => watches.length === 2, 'second watch at once');
        expect(watches[1]?.query.get('resourceVersion')).toBe('10');
        expect(clock.pendingTimers()).toBeGreaterThan(0); // only the new watch's stall timer
      },
    );
  });

  test('a watch that ends within a second with no event still backs off (client-go "very short watch")', async () => {
    await idleWatch(
      (n, res) => {
        const s = res.stream();
        if (n === 1) s.end();
      },
      async ({ clock, watches }) => {
        // The informer is asleep in its back-off (1-30 s by default; the new watch's stall timer
        // would be 330 s away): no second watch until virtual time moves.
        await waitFor(() => (clock.nextDue() ?? Infinity) - clock.monotonic() <= 30_000, 'the back-off timer');
        expect(watches).toHaveLength(1);
        await advance(clock, 2_000);
        await waitFor(() => watches.length === 2, 'second watch after the back-off');
      },
    );
  });
});
