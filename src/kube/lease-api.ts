// The one coordination.k8s.io/v1 Lease the leader elector reads and writes: its shape, the narrow
// port the elector codes against (get / create / replace with optimistic concurrency), and the
// implementation over KubeTransport. Lease times are MicroTime: RFC 3339 with exactly six
// fractional digits; a plain Date's three digits are rejected by the apiserver (T8).

import { KubeRequestError } from './kube-api-error.js';
import type { KubeTransport } from './kube-transport.js';

export interface LeaseSpec {
  readonly holderIdentity?: string;
  readonly leaseDurationSeconds?: number;
  /** MicroTime. */
  readonly acquireTime?: string;
  /** MicroTime. */
  readonly renewTime?: string;
  readonly leaseTransitions?: number;
  /** Coordinated leader election only; kept as read so a replace does not drop them. */
  readonly preferredHolder?: string;
  readonly strategy?: string;
}

export interface Lease {
  readonly apiVersion: 'coordination.k8s.io/v1';
  readonly kind: 'Lease';
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly resourceVersion?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly [key: string]: unknown;
  };
  readonly spec?: LeaseSpec;
}

/** The Lease operations leader election needs; errors are KubeApiError (404, 409, …). */
export interface LeaseApi {
  get(signal: AbortSignal): Promise<Lease>;
  /** POST; 409 AlreadyExists when another replica created it first. */
  create(lease: Lease, signal: AbortSignal): Promise<Lease>;
  /** PUT with `lease.metadata.resourceVersion`; 409 Conflict when the Lease changed since. */
  replace(lease: Lease, signal: AbortSignal): Promise<Lease>;
}

/** Wall-clock milliseconds → MicroTime text (`2024-01-01T00:00:00.123000Z`). */
export function formatMicroTime(epochMs: number): string {
  const whole = Math.floor(epochMs);
  const micros = Math.floor((epochMs - whole) * 1000);
  const iso = new Date(whole).toISOString(); // …:SS.mmmZ
  return `${iso.slice(0, -1)}${String(micros).padStart(3, '0')}Z`;
}

export interface KubeLeaseApiOptions {
  readonly transport: KubeTransport;
  readonly namespace: string;
  readonly name: string;
}

export class KubeLeaseApi implements LeaseApi {
  readonly #transport: KubeTransport;
  readonly #collection: string;
  readonly #name: string;

  constructor(options: KubeLeaseApiOptions) {
    this.#transport = options.transport;
    this.#collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(options.namespace)}/leases`;
    this.#name = options.name;
  }

  async get(signal: AbortSignal): Promise<Lease> {
    const path = this.#objectPath();
    return asLease(await this.#transport.requestJson({ method: 'GET', path, signal }), 'GET', path);
  }

  async create(lease: Lease, signal: AbortSignal): Promise<Lease> {
    const path = this.#collection;
    return asLease(await this.#transport.requestJson({ method: 'POST', path, body: lease, signal }), 'POST', path);
  }

  async replace(lease: Lease, signal: AbortSignal): Promise<Lease> {
    const path = this.#objectPath();
    return asLease(await this.#transport.requestJson({ method: 'PUT', path, body: lease, signal }), 'PUT', path);
  }

  #objectPath(): string {
    return `${this.#collection}/${encodeURIComponent(this.#name)}`;
  }
}

function asLease(value: unknown, method: string, path: string): Lease {
  if (typeof value !== 'object' || value === null) throw new KubeRequestError({ code: 'InvalidResponse', method, path });
  const meta = (value as { metadata?: unknown }).metadata;
  if (typeof meta !== 'object' || meta === null || typeof (meta as { name?: unknown }).name !== 'string') {
    throw new KubeRequestError({ code: 'InvalidResponse', method, path });
  }
  return value as Lease;
}
