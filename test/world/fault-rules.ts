// The rules of the fault-injecting CSI proxy (csi-fault-proxy.ts) and its call log, kept apart from
// the gRPC plumbing so a test reads them as plain data. A rule applies to one CSI method (short
// name, e.g. `CreateSnapshot`); the first rule of a method that still has uses left decides a call.
import type { status as GrpcStatus } from '@grpc/grpc-js';

/** What the proxy does with one call. */
export type FaultAction =
  /** Answer `code` without asking the driver. */
  | { readonly kind: 'error'; readonly code: GrpcStatus; readonly message?: string }
  /** Never answer and never forward: the caller's deadline (or cancel) ends the call. */
  | { readonly kind: 'hang' }
  /** Forward; when the driver has answered, hold the answer back forever (the driver did the work). */
  | { readonly kind: 'forward-then-hang' }
  /** Forward, then answer `code` instead of the driver's answer (the driver did the work). */
  | { readonly kind: 'forward-then-error'; readonly code: GrpcStatus; readonly message?: string }
  /**
   * Forward, then run `hook` (e.g. SIGKILL the sidecar) before passing the driver's answer on.
   * `decoded` is the driver's answer decoded with the official csi.proto (undefined on an error).
   */
  | { readonly kind: 'forward-then-hook'; readonly hook: (call: CallRecord, decoded: unknown) => Promise<void> | void }
  /** Run `hook` (e.g. SIGKILL the sidecar), then neither forward nor answer: the driver never sees it. */
  | { readonly kind: 'hook-then-hang'; readonly hook: (call: CallRecord) => Promise<void> | void }
  /**
   * Forward, pass the driver's answer on, then run `hook` after `afterMs` (e.g. SIGKILL the sidecar
   * while it acts on the answer: before its status write or finalizer removal).
   */
  | { readonly kind: 'answer-then-hook'; readonly afterMs: number; readonly hook: (call: CallRecord) => Promise<void> | void }
  /** Run `hook` before forwarding (the driver has NOT seen the call), then forward. */
  | { readonly kind: 'hook-then-forward'; readonly hook: (call: CallRecord) => Promise<void> | void };

export interface FaultRule {
  /** How many calls this rule decides (default: every call until removed). */
  readonly times?: number;
  /** Wait this long before acting (a delayed `forward` when no action is given); a function is asked per call. */
  readonly delayMs?: number | (() => number);
  /** Default: forward unchanged (after delayMs). */
  readonly action?: FaultAction;
  /** Only calls whose decoded request this accepts (default: all). */
  readonly match?: (request: Readonly<Record<string, unknown>>) => boolean;
}

export type CallOutcome =
  | 'pending'
  /** The proxy answered; `code` 0 is OK. */
  | 'answered'
  /** The caller gave up (deadline or cancel) before the proxy answered. */
  | 'cancelled';

export interface CallRecord {
  readonly seq: number;
  /** Short method name, e.g. `CreateSnapshot`. */
  readonly method: string;
  /** Full gRPC path, e.g. `/csi.v1.Controller/CreateSnapshot`. */
  readonly path: string;
  /** Date.now() when the call arrived. */
  readonly start: number;
  /** The request decoded with the official csi.proto (enums as names, 64-bit ints as strings). */
  readonly request: Readonly<Record<string, unknown>>;
  /** The action that decided this call ('forward' when no rule matched). */
  readonly action: FaultAction['kind'] | 'forward';
  end?: number;
  outcome: CallOutcome;
  /** gRPC status code the caller got (set when outcome is 'answered'). */
  code?: number;
  message?: string;
  /** True once the driver has been asked (it may have done the work even if the caller got an error). */
  forwarded: boolean;
  /** The driver's own code, when it answered. */
  driverCode?: number;
}

/** Per-method rule lists with use counters, changeable while calls are in flight. */
export class FaultRules {
  private readonly rules = new Map<string, { rule: FaultRule; left: number }[]>();

  /** Appends a rule for `method` (short name); returns a function that removes it. */
  add(method: string, rule: FaultRule): () => void {
    const entry = { rule, left: rule.times ?? Number.POSITIVE_INFINITY };
    const list = this.rules.get(method) ?? [];
    list.push(entry);
    this.rules.set(method, list);
    return () => {
      const l = this.rules.get(method);
      if (l) this.rules.set(method, l.filter((e) => e !== entry));
    };
  }

  /** Removes every rule of `method`, or every rule at all. */
  clear(method?: string): void {
    if (method === undefined) this.rules.clear();
    else this.rules.delete(method);
  }

  /** The rule deciding this call, its use counted; undefined means forward unchanged. */
  take(method: string, request: Readonly<Record<string, unknown>>): FaultRule | undefined {
    const list = this.rules.get(method);
    if (!list) return undefined;
    for (const entry of list) {
      if (entry.left <= 0) continue;
      if (entry.rule.match && !entry.rule.match(request)) continue;
      entry.left -= 1;
      return entry.rule;
    }
    return undefined;
  }

  /** Uses left of the rules of `method` (Infinity for unlimited ones). */
  remaining(method: string): readonly number[] {
    return (this.rules.get(method) ?? []).map((e) => e.left);
  }
}
