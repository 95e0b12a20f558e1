// Lease-based leader election with client-go's semantics (tools/leaderelection/leaderelection.go,
// non-coordinated), which @kubernetes/client-node lacks. What must hold, and why:
//  - A Lease held by another replica is valid while `observedTime + leaseDurationSeconds > now`,
//    where observedTime is OUR monotonic time when we last saw the record change. The remote
//    renewTime is never compared with our clock (clock skew between nodes).
//  - Writes are PUTs carrying the resourceVersion last read or written; a 409 means another
//    replica won the race. A missing Lease is created (409 AlreadyExists: lost the race too).
//  - A candidate retries every retryPeriod × [1, 2.2) (JitterFactor 1.2), or when the holder's
//    lease as we observed it runs out, if that comes first: client-go sleeps past the expiry by
//    up to a whole jittered period, which a failover waits out (the validity rule is unchanged;
//    only the wake-up moves). The leader renews every retryPeriod, each renewal retrying for at
//    most renewDeadline; then leadership is lost.
//  - Release writes holderIdentity '' and leaseDurationSeconds 1 (client-go ReleaseOnCancel), so
//    a standby takes over on its next attempt instead of waiting out the lease.
// The elector never exits the process; callers decide (upstream: exit 1 on loss). This module is the
// loop (acquire, renew, release and their deadlines); the records it writes are leader-record.ts,
// what it believes about the holder and since when is lease-observation.ts.

import type { Clock } from '../base/clock.js';
import { CodedError } from '../base/coded-error.js';
import { nullLogger, type Logger } from '../observability/logger.js';
import { isNotFound } from './kube-api-error.js';
import { formatMicroTime, type Lease, type LeaseApi } from './lease-api.js';
import { LeaseObservation } from './lease-observation.js';
import { claimRecord, leaseWithRecord, recordOf, releaseOf, renewalOf, takeoverOf, type LeaderRecord } from './leader-record.js';

/** After the observed expiry, so the attempt never finds the lease still valid by a rounding. */
const EXPIRY_SLACK_MS = 5;

/** client-go leaderelection.JitterFactor. */
export const LEADER_ELECTION_JITTER_FACTOR = 1.2;

export type RenewOutcome = 'lost' | 'stopped';

export type LeaderElectionErrorCode = 'LeaseNotInitialized' | 'RenewDeadlineExceeded' | 'ReleaseTimedOut';

export class LeaderElectionError extends CodedError<LeaderElectionErrorCode> {
  override readonly name = 'LeaderElectionError';
  constructor(code: LeaderElectionErrorCode, message: string) {
    super(code, message);
  }
}

export interface LeaderElectorOptions {
  readonly api: LeaseApi;
  /** The Lease's name and namespace (logs, create, health message). */
  readonly name: string;
  readonly namespace: string;
  /** Already sanitized (lease-lock-names.ts). */
  readonly identity: string;
  /** Put on the Lease with every write we make (--leader-election-labels). */
  readonly labels?: Readonly<Record<string, string>>;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Uniform [0, 1) for the candidate jitter; default Math.random. */
  readonly random?: () => number;
  /** true on acquiring, false when leadership ends (leader_election_master_status). */
  readonly onLeaderChange?: (isLeader: boolean) => void;
}

export class LeaderElector {
  readonly name: string;
  readonly namespace: string;
  readonly identity: string;
  readonly #api: LeaseApi;
  readonly #labels: Readonly<Record<string, string>>;
  readonly #leaseMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryMs: number;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #random: () => number;
  readonly #onLeaderChange: (isLeader: boolean) => void;
  /** The Lease object as last read or written: its resourceVersion guards our next PUT. */
  #lease: Lease | undefined;
  readonly #observed: LeaseObservation;
  #reportedLeader = '';

  constructor(options: LeaderElectorOptions) {
    this.name = options.name;
    this.namespace = options.namespace;
    this.identity = options.identity;
    this.#api = options.api;
    this.#labels = options.labels ?? {};
    this.#leaseMs = options.leaseDurationMs;
    this.#renewDeadlineMs = options.renewDeadlineMs;
    this.#retryMs = options.retryPeriodMs;
    this.#clock = options.clock;
    this.#observed = new LeaseObservation(options.clock);
    this.#log = (options.logger ?? nullLogger).with({ lock: `${options.namespace}/${options.name}` });
    this.#random = options.random ?? Math.random;
    this.#onLeaderChange = options.onLeaderChange ?? (() => undefined);
  }

  /** True while the last record we saw or wrote names us. */
  isLeader(): boolean {
    return this.#observed.holder === this.identity;
  }

  /** The holder we last observed ('' = none). */
  leader(): string {
    return this.#observed.holder;
  }

  /**
   * client-go Check (the /healthz/leader-election watchdog): an error text when we are leader but
   * have not renewed for longer than leaseDuration + toleranceMs; standbys are always healthy.
   */
  check(toleranceMs: number): string | undefined {
    if (!this.isLeader()) return undefined;
    if (this.#observed.ageMs() > this.#leaseMs + toleranceMs) {
      return `failed election to renew leadership on lease ${this.name}`;
    }
    return undefined;
  }

  /** Tries until we hold the Lease (true) or `signal` aborts (false). */
  async acquire(signal: AbortSignal): Promise<boolean> {
    this.#log.info('Attempting to acquire leader lease...');
    for (;;) {
      if (signal.aborted) return false;
      const ok = await this.#tryAcquireOrRenew(signal);
      this.#maybeReportTransition();
      if (ok) {
        this.#onLeaderChange(true);
        this.#log.info('Successfully acquired lease');
        return true;
      }
      this.#log.v(4).info('Failed to acquire lease');
      const jitteredMs = this.#retryMs * (1 + this.#random() * LEADER_ELECTION_JITTER_FACTOR);
      const untilExpiryMs = this.#observed.holder === '' ? Number.POSITIVE_INFINITY : this.#observed.remainingMs();
      const waitMs = untilExpiryMs > 0 && untilExpiryMs + EXPIRY_SLACK_MS < jitteredMs ? untilExpiryMs + EXPIRY_SLACK_MS : jitteredMs;
      try {
        await this.#clock.sleep(waitMs, signal);
      } catch {
        return false;
      }
    }
  }

  /**
   * Renews every retryPeriod until `signal` aborts ('stopped') or one renewal does not succeed
   * within renewDeadline ('lost'). Either way leadership is reported as ended.
   */
  async renew(signal: AbortSignal): Promise<RenewOutcome> {
    for (;;) {
      const renewed = signal.aborted ? false : await this.#renewWithinDeadline(signal);
      this.#maybeReportTransition();
      if (!renewed) {
        this.#onLeaderChange(false);
        if (signal.aborted) return 'stopped';
        this.#log.info('Failed to renew lease', { holder: this.#observed.holder });
        return 'lost';
      }
      this.#log.v(5).info('Successfully renewed lease');
      try {
        await this.#clock.sleep(this.#retryMs, signal);
      } catch {
        this.#onLeaderChange(false);
        return 'stopped';
      }
    }
  }

  /**
   * Gives the Lease up (holderIdentity '', leaseDurationSeconds 1) if it still names us; bounded
   * by renewDeadline. Returns whether the Lease is now free of us. Never call it after a lost
   * renewal: unlike client-go we also require the fresh GET to name us, so a successor's Lease
   * is never overwritten.
   */
  async release(): Promise<boolean> {
    const deadline = new AbortController();
    const timer = this.#clock.setTimer(
      () => deadline.abort(new LeaderElectionError('ReleaseTimedOut', `releasing lease ${this.name} took longer than the renew deadline`)),
      this.#renewDeadlineMs,
    );
    try {
      let lease: Lease;
      try {
        lease = await this.#api.get(deadline.signal);
      } catch (err) {
        if (isNotFound(err)) this.#log.info('lease lock not found');
        else this.#log.error('error retrieving resource lock', { err });
        return false;
      }
      this.#lease = lease;
      const remote = recordOf(lease.spec);
      if (!this.isLeader() || remote.holderIdentity !== this.identity) return true;
      const released = releaseOf(remote, formatMicroTime(this.#clock.now()));
      try {
        await this.#update(released, deadline.signal);
      } catch (err) {
        this.#log.error('Failed to release lease', { err });
        return false;
      }
      this.#observed.wrote(released);
      this.#onLeaderChange(false);
      this.#log.info('Released lease');
      return true;
    } finally {
      timer.cancel();
    }
  }

  /** client-go PollUntilContextTimeout(retryPeriod, renewDeadline, immediate) of tryAcquireOrRenew. */
  async #renewWithinDeadline(parent: AbortSignal): Promise<boolean> {
    const attempt = new AbortController();
    const onParentAbort = (): void => attempt.abort(parent.reason);
    parent.addEventListener('abort', onParentAbort, { once: true });
    const timer = this.#clock.setTimer(
      () => attempt.abort(new LeaderElectionError('RenewDeadlineExceeded', `lease ${this.name} not renewed within the renew deadline`)),
      this.#renewDeadlineMs,
    );
    try {
      for (;;) {
        if (attempt.signal.aborted) return false;
        if (await this.#tryAcquireOrRenew(attempt.signal)) return true;
        try {
          await this.#clock.sleep(this.#retryMs, attempt.signal);
        } catch {
          return false;
        }
      }
    } finally {
      timer.cancel();
      parent.removeEventListener('abort', onParentAbort);
    }
  }

  /** client-go tryAcquireOrRenew; never throws (failures are logged and return false). */
  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const desired = claimRecord(this.identity, this.#leaseMs, formatMicroTime(this.#clock.now()));

    // 1. Fast path: the leader writes over the version it wrote last.
    if (this.isLeader() && this.#observed.isValid()) {
      const record = renewalOf(this.#observed.record, desired);
      try {
        await this.#update(record, signal);
        this.#observed.wrote(record);
        return true;
      } catch (err) {
        if (signal.aborted) return false;
        this.#log.v(2).info('Failed to update lease optimistically, falling back to slow path', { err });
      }
    }

    // 2. Read the Lease, or create it.
    let lease: Lease;
    try {
      lease = await this.#api.get(signal);
    } catch (err) {
      if (signal.aborted) return false;
      if (!isNotFound(err)) {
        this.#log.error('Error retrieving lease lock', { err });
        return false;
      }
      try {
        this.#lease = await this.#api.create(this.#leaseWith(undefined, desired), signal);
      } catch (createErr) {
        if (!signal.aborted) this.#log.error('Error initially creating lease lock', { err: createErr });
        return false;
      }
      this.#observed.wrote(desired);
      return true;
    }
    this.#lease = lease;

    // 3. A record we have not seen before restarts OUR expiry clock for it.
    const remote = recordOf(lease.spec);
    this.#observed.read(remote);
    if (remote.holderIdentity !== '' && this.#observed.isValid() && !this.isLeader()) {
      this.#log.v(4).info('Lease is held and has not yet expired', { holder: remote.holderIdentity });
      return false;
    }

    // 4. Take it over (or renew on the slow path).
    const record = this.isLeader() ? renewalOf(remote, desired) : takeoverOf(remote, desired);
    try {
      await this.#update(record, signal);
    } catch (err) {
      if (!signal.aborted) this.#log.error('Failed to update lease', { err });
      return false;
    }
    this.#observed.wrote(record);
    return true;
  }

  /** PUT over the last-known object: its resourceVersion makes a concurrent write a 409. */
  async #update(record: LeaderRecord, signal: AbortSignal): Promise<void> {
    const base = this.#lease;
    if (base === undefined) throw new LeaderElectionError('LeaseNotInitialized', 'lease not initialized, call get or create first');
    this.#lease = await this.#api.replace(this.#leaseWith(base, record), signal);
  }

  #leaseWith(base: Lease | undefined, record: LeaderRecord): Lease {
    return leaseWithRecord(base, record, { name: this.name, namespace: this.namespace, labels: this.#labels });
  }

  #maybeReportTransition(): void {
    const holder = this.#observed.holder;
    if (holder === this.#reportedLeader) return;
    this.#reportedLeader = holder;
    this.#log.v(3).info('New leader detected', { leader: holder });
  }
}
