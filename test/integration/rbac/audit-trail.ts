// What one identity asked the apiserver, from the world's audit log (Metadata level, one JSON
// event per line): the authorizer's own record, so a 403 here is exactly an RBAC refusal of a
// request the sidecar really made. Reads incrementally; the log is shared by every test.
import fs from 'node:fs';

export interface AuditRequest {
  readonly verb: string;
  readonly apiGroup: string;
  /** `resource` or `resource/subresource`, e.g. `volumesnapshotcontents/status`. */
  readonly resource: string;
  readonly namespace: string | undefined;
  readonly code: number;
}

interface RawAuditEvent {
  readonly stage?: string;
  readonly verb?: string;
  readonly user?: { readonly username?: string };
  readonly objectRef?: { readonly resource?: string; readonly subresource?: string; readonly apiGroup?: string; readonly namespace?: string };
  readonly responseStatus?: { readonly code?: number };
}

export class AuditTrail {
  readonly #file: string;
  readonly #username: string;
  #offset: number;
  #partial = '';
  readonly #seen: AuditRequest[] = [];

  /** Starts at the log's current end: earlier requests are not this run's. */
  constructor(opts: { readonly file: string; readonly username: string }) {
    this.#file = opts.file;
    this.#username = opts.username;
    this.#offset = fs.statSync(opts.file).size;
  }

  /** Every completed request of the identity so far. */
  requests(): readonly AuditRequest[] {
    const fd = fs.openSync(this.#file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      if (size > this.#offset) {
        const buf = Buffer.alloc(size - this.#offset);
        fs.readSync(fd, buf, 0, buf.length, this.#offset);
        this.#offset = size;
        const lines = (this.#partial + buf.toString('utf8')).split('\n');
        this.#partial = lines.pop() ?? '';
        for (const line of lines) this.#take(line);
      }
    } finally {
      fs.closeSync(fd);
    }
    return this.#seen;
  }

  #take(line: string): void {
    if (!line.includes(this.#username)) return;
    const e = JSON.parse(line) as RawAuditEvent;
    if (e.user?.username !== this.#username || e.stage !== 'ResponseComplete' || e.objectRef?.resource === undefined) return;
    const ref = e.objectRef;
    this.#seen.push({
      verb: e.verb ?? '',
      apiGroup: ref.apiGroup ?? '',
      resource: ref.subresource ? `${ref.resource}/${ref.subresource}` : (ref.resource ?? ''),
      namespace: ref.namespace,
      code: e.responseStatus?.code ?? 0,
    });
  }
}
