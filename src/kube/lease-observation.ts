// What one replica believes about a Lease: the leader record it last saw or wrote, and WHEN by its
// own monotonic clock. A Lease held by another replica is valid while that observed time plus
// leaseDurationSeconds is in the future; the remote renewTime is never compared with our clock
// (clock skew between nodes). So only a record that changed since the last read restarts the
// expiry: a holder that stopped renewing expires after one lease duration of identical reads.

import type { Clock } from '../base/clock.js';
import { NO_RECORD, type LeaderRecord } from './leader-record.js';

export class LeaseObservation {
  readonly #clock: Clock;
  #record: LeaderRecord = NO_RECORD;
  /** Serialized record of the last read; a different one means the holder wrote (renewed). */
  #lastReadRaw: string | undefined;
  /** Monotonic ms when #record was set; -Infinity = never, so nothing is valid yet. */
  #at = Number.NEGATIVE_INFINITY;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get record(): LeaderRecord {
    return this.#record;
  }

  /** The holder we last observed ('' = none). */
  get holder(): string {
    return this.#record.holderIdentity;
  }

  /** A record we wrote (create, renew, take over, release): current from now. */
  wrote(record: LeaderRecord): void {
    this.#record = record;
    this.#at = this.#clock.monotonic();
  }

  /** A record read from the server: only a change since the last read restarts its expiry. */
  read(remote: LeaderRecord): void {
    const raw = JSON.stringify(remote);
    if (raw === this.#lastReadRaw) return;
    this.wrote(remote);
    this.#lastReadRaw = raw;
  }

  /** client-go: observedTime + leaseDuration > now. */
  isValid(): boolean {
    return this.#at + this.#record.leaseDurationSeconds * 1000 > this.#clock.monotonic();
  }

  /** Milliseconds until the observed record stops being valid (<= 0: not valid now). */
  remainingMs(): number {
    return this.#at + this.#record.leaseDurationSeconds * 1000 - this.#clock.monotonic();
  }

  /** Milliseconds since the record was last set (Infinity before the first). */
  ageMs(): number {
    return this.#clock.monotonic() - this.#at;
  }
}
