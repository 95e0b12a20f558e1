import { describe, expect, test } from '@jest/globals';
import { claimRecord, releaseOf, renewalOf, takeoverOf, type LeaderRecord } from '../../../src/kube/leader-record.js';
import { LeaseObservation } from '../../../src/kube/lease-observation.js';
import { VirtualClock } from '../../support/virtual-clock.js';

const held = (holder: string, renewTime: string): LeaderRecord => ({
  holderIdentity: holder,
  leaseDurationSeconds: 15,
  acquireTime: '2026-01-01T00:00:00.000000Z',
  renewTime,
  leaseTransitions: 3,
});

describe('LeaseObservation', () => {
  test('nothing is valid before the first record', () => {
    const observation = new LeaseObservation(new VirtualClock());
    expect(observation.isValid()).toBe(false);
    expect(observation.holder).toBe('');
    expect(observation.ageMs()).toBe(Number.POSITIVE_INFINITY);
  });

  test('identical reads do not restart the expiry: a holder that stopped renewing expires one lease duration after its last change', async () => {
    const clock = new VirtualClock();
    const observation = new LeaseObservation(clock);
    observation.read(held('other', 't1'));
    await clock.advance(14_000);
    observation.read(held('other', 't1'));
    expect(observation.isValid()).toBe(true);
    await clock.advance(1_000);
    observation.read(held('other', 't1'));
    expect(observation.isValid()).toBe(false);
  });

  test('a changed record (a renewal) restarts the expiry from our clock', async () => {
    const clock = new VirtualClock();
    const observation = new LeaseObservation(clock);
    observation.read(held('other', 't1'));
    await clock.advance(14_000);
    observation.read(held('other', 't2'));
    await clock.advance(14_000);
    expect(observation.isValid()).toBe(true);
    expect(observation.ageMs()).toBe(14_000);
  });

  test('a record we wrote is current from now', async () => {
    const clock = new VirtualClock();
    const observation = new LeaseObservation(clock);
    observation.read(held('other', 't1'));
    await clock.advance(20_000);
    observation.wrote(held('me', 't9'));
    expect(observation.holder).toBe('me');
    expect(observation.isValid()).toBe(true);
  });
});

describe('leader records', () => {
  const claim = claimRecord('me', 15_999, 'now');

  test('a claim holds the lease for whole seconds from now, with no transitions of its own', () => {
    expect(claim).toEqual({ holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: 'now', renewTime: 'now', leaseTransitions: 0 });
  });

  test('a renewal keeps acquireTime and the transition count; a takeover counts one more transition', () => {
    const remote = held('me', 'before');
    expect(renewalOf(remote, claim)).toEqual({ ...claim, acquireTime: remote.acquireTime, leaseTransitions: 3 });
    expect(takeoverOf(held('other', 'before'), claim)).toEqual({ ...claim, leaseTransitions: 4 });
  });

  test('a release names no holder and a one-second lease, keeping the transition count', () => {
    expect(releaseOf(held('me', 'before'), 'now')).toEqual({ holderIdentity: '', leaseDurationSeconds: 1, acquireTime: 'now', renewTime: 'now', leaseTransitions: 3 });
  });
});
