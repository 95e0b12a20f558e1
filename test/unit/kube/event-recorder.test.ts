import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Clock } from '../../../src/base/clock.js';
import { systemClock } from '../../../src/base/clock.js';
import { EventRecorder, type InvolvedObject } from '../../../src/kube/event-recorder.js';
import { apiVersionOf, VOLUME_SNAPSHOT_CONTENT } from '../../../src/kube/resources.js';
import { FakeApiServer } from '../../support/fake-apiserver.js';
import { capturingLogger, makeStack, vsc } from './harness.js';

let server: FakeApiServer;
beforeAll(async () => {
  server = await FakeApiServer.start();
});
afterAll(async () => {
  await server.close();
});

/** Wall and monotonic time the test moves by hand; timers are not needed by the recorder. */
function manualClock(): Clock & { advance(ms: number): void } {
  let t = 1_700_000_000_000;
  return {
    now: () => t,
    monotonic: () => t,
    setTimer: systemClock.setTimer,
    sleep: systemClock.sleep,
    advance(ms) {
      t += ms;
    },
  };
}

const content1 = vsc('content-1', '7');
// Built as the step executor builds it (effects/step-executor.ts).
const target: InvolvedObject = {
  apiVersion: apiVersionOf(VOLUME_SNAPSHOT_CONTENT),
  kind: VOLUME_SNAPSHOT_CONTENT.kind,
  name: content1.metadata.name,
  uid: content1.metadata.uid,
  resourceVersion: content1.metadata.resourceVersion,
};

async function withRecorder(
  options: { spamBurst?: number; failWith?: number },
  body: (ctx: { recorder: EventRecorder; clock: ReturnType<typeof manualClock>; warnings: string[] }) => Promise<void>,
): Promise<void> {
  const start = server.requests.length;
  server.handle((req, res) => {
    if (options.failWith !== undefined) return res.status(options.failWith, 'Forbidden', 'events is forbidden');
    res.json(req.method === 'POST' ? 201 : 200, JSON.parse(req.body) as unknown);
  });
  const { kc, transport } = makeStack(server);
  const clock = manualClock();
  const { logger, warnings } = capturingLogger();
  const recorder = new EventRecorder({
    transport,
    clock,
    logger,
    component: 'csi-snapshotter hostpath.csi.k8s.io',
    ...(options.spamBurst === undefined ? {} : { spamBurst: options.spamBurst }),
  });
  try {
    await body({ recorder, clock, warnings });
  } finally {
    await recorder.close();
    await kc.close();
    server.requests.splice(0, start);
  }
}

describe('EventRecorder', () => {
  test('creates a core/v1 Event in namespace default with client-go fields', async () => {
    await withRecorder({}, async ({ recorder }) => {
      recorder.warning(target, 'SnapshotCreationFailed', 'Failed to create snapshot: boom');
      await recorder.flush(AbortSignal.timeout(4000));
      const req = server.requests.at(-1);
      expect(req?.method).toBe('POST');
      expect(req?.path).toBe('/api/v1/namespaces/default/events');
      const body = JSON.parse(req?.body ?? '{}') as Record<string, unknown>;
      expect(body).toMatchObject({
        metadata: { namespace: 'default' },
        involvedObject: {
          kind: 'VolumeSnapshotContent',
          apiVersion: 'snapshot.storage.k8s.io/v1',
          name: 'content-1',
          uid: 'uid-content-1',
          resourceVersion: '7',
        },
        reason: 'SnapshotCreationFailed',
        message: 'Failed to create snapshot: boom',
        type: 'Warning',
        source: { component: 'csi-snapshotter hostpath.csi.k8s.io' },
        count: 1,
      });
      expect(String((body['metadata'] as Record<string, unknown>)['name'])).toMatch(/^content-1\.[0-9a-f]+$/);
    });
  });

  test('a repeat of the same event within the window PATCHes count and lastTimestamp of the first', async () => {
    await withRecorder({}, async ({ recorder, clock }) => {
      recorder.warning(target, 'SnapshotCreationFailed', 'same');
      clock.advance(60_000);
      recorder.warning(target, 'SnapshotCreationFailed', 'same');
      await recorder.flush(AbortSignal.timeout(4000));
      const [create, patch] = server.requests.slice(-2);
      const name = (JSON.parse(create?.body ?? '{}') as { metadata: { name: string } }).metadata.name;
      expect(patch?.method).toBe('PATCH');
      expect(patch?.path).toBe(`/api/v1/namespaces/default/events/${name}`);
      expect(JSON.parse(patch?.body ?? '{}')).toMatchObject({ count: 2, lastTimestamp: '2023-11-14T22:14:20Z' });
    });
  });

  test('a different message creates a separate Event', async () => {
    await withRecorder({}, async ({ recorder }) => {
      recorder.warning(target, 'SnapshotCreationFailed', 'one');
      recorder.warning(target, 'SnapshotCreationFailed', 'two');
      await recorder.flush(AbortSignal.timeout(4000));
      expect(server.requests.slice(-2).map((r) => r.method)).toEqual(['POST', 'POST']);
    });
  });

  test('the spam filter drops events beyond the burst for one object and refills one per 5 minutes', async () => {
    await withRecorder({ spamBurst: 2 }, async ({ recorder, clock }) => {
      const before = server.requests.length;
      for (const m of ['1', '2', '3', '4']) recorder.warning(target, 'R', m);
      await recorder.flush(AbortSignal.timeout(4000));
      expect(server.requests.length - before).toBe(2);
      clock.advance(5 * 60_000);
      recorder.warning(target, 'R', '5');
      recorder.warning(target, 'R', '6');
      await recorder.flush(AbortSignal.timeout(4000));
      expect(server.requests.length - before).toBe(3);
    });
  });

  test('a failed write is logged, never thrown', async () => {
    await withRecorder({ failWith: 403 }, async ({ recorder, warnings }) => {
      expect(() => recorder.warning(target, 'R', 'm')).not.toThrow();
      await recorder.flush(AbortSignal.timeout(4000));
      expect(warnings).toEqual(['failed to record event']);
    });
  });
});
