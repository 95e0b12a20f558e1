// Whether group contents are handled at all (src/app/group-snapshot-api.ts): the gate, the
// --node-deployment refusal, and upstream HEAD's LIST limit=1 check of the two v1 group resources,
// which turns a missing CRD into one warning and group support off, never a crash.
import { describe, expect, test } from '@jest/globals';
import { decideGroupSnapshotSupport, type ProbeList } from '../../../src/app/group-snapshot-api.js';
import type { Logger } from '../../../src/observability/logger.js';
import { VirtualClock } from '../../support/virtual-clock.js';

function recorder(): { log: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const log: Logger = {
    info: () => undefined,
    warn: (msg) => warnings.push(msg),
    error: () => undefined,
    v: () => ({ info: () => undefined }),
    enabled: () => false,
    with: () => log,
  };
  return { log, warnings };
}

const ok: ProbeList = async () => ({ items: [] });
const missing: ProbeList = async () => {
  throw new Error('the server could not find the requested resource (404)');
};

function params(over: { wanted?: boolean; nodeDeployment?: boolean; contents?: ProbeList; classes?: ProbeList; signal?: AbortSignal; clock?: VirtualClock } = {}) {
  const { log, warnings } = recorder();
  const calls: string[] = [];
  const track = (name: string, p: ProbeList): ProbeList => (signal) => {
    calls.push(name);
    return p(signal);
  };
  return {
    warnings,
    calls,
    run: () =>
      decideGroupSnapshotSupport({
        wanted: over.wanted ?? true,
        nodeDeployment: over.nodeDeployment ?? false,
        probes: { contents: track('contents', over.contents ?? ok), classes: track('classes', over.classes ?? ok) },
        timeoutMs: 60_000,
        clock: over.clock ?? new VirtualClock(),
        signal: over.signal ?? new AbortController().signal,
        log,
      }),
  };
}

describe('group snapshot support', () => {
  test('gate on and both group resources listable → enabled, without a warning', async () => {
    const p = params();
    expect(await p.run()).toBe('enabled');
    expect(p.calls.sort()).toEqual(['classes', 'contents']);
    expect(p.warnings).toEqual([]);
  });

  test('gate off → disabled, the API is not asked, nothing is logged', async () => {
    const p = params({ wanted: false });
    expect(await p.run()).toBe('disabled-by-gate');
    expect(p.calls).toEqual([]);
    expect(p.warnings).toEqual([]);
  });

  test.each([
    ['contents', { contents: missing }],
    ['classes', { classes: missing }],
  ] as const)('group %s not listable → disabled with ONE warning that says what to install', async (_name, over) => {
    const p = params(over);
    expect(await p.run()).toBe('disabled-api-missing');
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]).toContain('VolumeGroupSnapshot CRDs were not found; disabling the VolumeGroupSnapshot feature for this run');
    expect(p.warnings[0]).toContain('groupsnapshot.storage.k8s.io/v1');
  });

  test('--node-deployment → refused with one warning naming the flag; the API is not asked', async () => {
    const p = params({ nodeDeployment: true });
    expect(await p.run()).toBe('disabled-node-deployment');
    expect(p.calls).toEqual([]);
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]).toContain('--node-deployment');
  });

  test('an API that never answers is given up after --timeout (virtual time) → disabled', async () => {
    const clock = new VirtualClock();
    const hang: ProbeList = (signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    const p = params({ contents: hang, clock });
    const result = p.run();
    await clock.advance(60_000);
    expect(await result).toBe('disabled-api-missing');
    expect(clock.pendingTimers()).toBe(0);
  });

  test('shutdown during the check rejects with the shutdown reason (not a warning)', async () => {
    const stop = new AbortController();
    const hang: ProbeList = (signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    const p = params({ contents: hang, signal: stop.signal });
    const result = p.run();
    stop.abort(new Error('shutting down'));
    await expect(result).rejects.toThrow('shutting down');
    expect(p.warnings).toEqual([]);
  });
});
