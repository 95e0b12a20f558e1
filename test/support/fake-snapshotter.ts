// A scripted, in-memory CSI snapshotter (the Snapshotter port) for unit tests of the effects:
// idempotent by name like a compliant driver, with per-call scripted failures and readiness,
// and a call log. Tests against the real gRPC wire use scripted-csi-driver.ts instead.

import { CsiRpcError } from '../../src/csi/grpc-errors.js';
import type {
  CreateGroupSnapshotRequest,
  CreateSnapshotRequest,
  GroupSnapshotIdRequest,
  GroupSnapshotResult,
  SnapshotIdRequest,
  SnapshotLookup,
  SnapshotResult,
  Snapshotter,
} from '../../src/csi/snapshotter.js';

export interface FakeCall {
  readonly method: string;
  readonly request: unknown;
}

const CODES: Record<string, number> = { Canceled: 1, Unknown: 2, InvalidArgument: 3, DeadlineExceeded: 4, NotFound: 5, AlreadyExists: 6, PermissionDenied: 7, ResourceExhausted: 8, FailedPrecondition: 9, Aborted: 10, Internal: 13, Unavailable: 14 };

export function rpcError(code: keyof typeof CODES & string, details = 'injected'): CsiRpcError {
  return new CsiRpcError({ grpcCode: CODES[code] ?? 2, details });
}

export class FakeSnapshotter implements Snapshotter {
  readonly calls: FakeCall[] = [];
  readonly snapshots = new Map<string, SnapshotResult & { name: string }>();
  /** Errors thrown by the next calls of a method, in order. */
  readonly failures: Record<string, Error[]> = {};
  /** Readiness answered by the next creates/lists, in order (default true). */
  readyAnswers: boolean[] = [];
  sizeBytes = 1024n;
  #next = 1;

  fail(method: string, err: Error): void {
    (this.failures[method] ??= []).push(err);
  }

  #enter(method: string, request: unknown): void {
    this.calls.push({ method, request });
    const err = this.failures[method]?.shift();
    if (err !== undefined) throw err;
  }

  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  async createSnapshot(request: CreateSnapshotRequest): Promise<SnapshotResult> {
    this.#enter('CreateSnapshot', request);
    const existing = [...this.snapshots.values()].find((s) => s.name === request.name);
    const ready = this.readyAnswers.length > 0 ? (this.readyAnswers.shift() ?? true) : true;
    if (existing !== undefined) {
      const updated = { ...existing, readyToUse: ready };
      this.snapshots.set(existing.snapshotId, updated);
      return updated;
    }
    const snap = { name: request.name, snapshotId: `snap-${this.#next++}`, sourceVolumeId: request.sourceVolumeId, creationTimeNs: 1_700_000_000_123_456_789n, sizeBytes: this.sizeBytes, readyToUse: ready, groupSnapshotId: '' };
    this.snapshots.set(snap.snapshotId, snap);
    return snap;
  }

  async deleteSnapshot(request: SnapshotIdRequest): Promise<void> {
    this.#enter('DeleteSnapshot', request);
    this.snapshots.delete(request.snapshotId);
  }

  async listSnapshot(request: SnapshotIdRequest): Promise<SnapshotLookup> {
    this.#enter('ListSnapshots', request);
    const s = this.snapshots.get(request.snapshotId);
    if (s === undefined) return { kind: 'not-found' };
    const ready = this.readyAnswers.length > 0 ? (this.readyAnswers.shift() ?? true) : s.readyToUse;
    return { kind: 'found', snapshot: { ...s, readyToUse: ready } };
  }

  async getSnapshot(request: SnapshotIdRequest): Promise<SnapshotLookup> {
    this.#enter('GetSnapshot', request);
    return { kind: 'unsupported' };
  }

  /** Group snapshots by group id; idempotent by name like a compliant GroupController. */
  readonly groups = new Map<string, GroupSnapshotResult & { name: string }>();

  async createVolumeGroupSnapshot(request: CreateGroupSnapshotRequest): Promise<GroupSnapshotResult> {
    this.#enter('CreateVolumeGroupSnapshot', request);
    const ready = this.readyAnswers.length > 0 ? (this.readyAnswers.shift() ?? true) : true;
    const existing = [...this.groups.values()].find((g) => g.name === request.name);
    if (existing !== undefined) {
      const updated = { ...existing, readyToUse: ready, snapshots: existing.snapshots.map((s) => ({ ...s, readyToUse: ready })) };
      this.groups.set(existing.groupSnapshotId, updated);
      return updated;
    }
    const groupSnapshotId = `group-${this.#next++}`;
    const snapshots = request.sourceVolumeIds.map((sourceVolumeId) => ({
      snapshotId: `snap-${this.#next++}`,
      sourceVolumeId,
      creationTimeNs: 1_700_000_000_123_456_789n,
      sizeBytes: this.sizeBytes,
      readyToUse: ready,
      groupSnapshotId,
    }));
    const group = { name: request.name, groupSnapshotId, snapshots, creationTimeNs: 1_700_000_000_123_456_789n, readyToUse: ready };
    this.groups.set(groupSnapshotId, group);
    return group;
  }

  async deleteVolumeGroupSnapshot(request: GroupSnapshotIdRequest): Promise<void> {
    this.#enter('DeleteVolumeGroupSnapshot', request);
    this.groups.delete(request.groupSnapshotId);
  }

  async getVolumeGroupSnapshot(request: GroupSnapshotIdRequest): Promise<GroupSnapshotResult> {
    this.#enter('GetVolumeGroupSnapshot', request);
    const g = this.groups.get(request.groupSnapshotId);
    if (g === undefined) throw rpcError('NotFound', `group snapshot ${request.groupSnapshotId} not found`);
    const ready = this.readyAnswers.length > 0 ? (this.readyAnswers.shift() ?? true) : g.readyToUse;
    return { ...g, readyToUse: ready };
  }
}
