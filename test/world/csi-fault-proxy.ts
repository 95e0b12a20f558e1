// A fault-injecting CSI proxy for the fault suite: a gRPC server on its own unix socket that
// forwards every unary call of the OFFICIAL csi.proto's services (Identity, Controller,
// GroupController, Node) byte for byte to the real driver's socket. Requests and answers stay raw
// Buffers end to end (identity (de)serializers), so no proto subset of ours can hide a mistake;
// the official proto is used only to list the methods and to decode requests for the call log.
// Per-method rules (fault-rules.ts) that a test may change while calls are in flight decide
// whether a call is answered with an error, delayed, never answered, or forwarded and then
// answered with an error or after a hook (e.g. SIGKILL of the sidecar) has run.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { loadProtoRoot } from '../support/proto-root.js';
import { FaultRules, type CallRecord, type FaultAction, type FaultRule } from './fault-rules.js';

export type { CallRecord, FaultAction, FaultRule } from './fault-rules.js';

const SERVICES = ['Identity', 'Controller', 'GroupController', 'Node'] as const;

interface MethodInfo {
  readonly service: string;
  readonly name: string;
  readonly path: string;
  readonly requestType: protobuf.Type;
  readonly responseType: protobuf.Type;
}

const roots = new Map<string, readonly MethodInfo[]>();

/** Every unary method of the four CSI services in the official csi.proto at `csiProto`. */
export function csiMethods(csiProto: string): readonly MethodInfo[] {
  const cached = roots.get(csiProto);
  if (cached) return cached;
  const root = loadProtoRoot(csiProto);
  const out: MethodInfo[] = [];
  for (const svc of SERVICES) {
    const service = root.lookupService(`csi.v1.${svc}`);
    for (const m of service.methodsArray) {
      if (m.requestStream || m.responseStream) continue;
      if (!m.resolvedRequestType || !m.resolvedResponseType) throw new Error(`csi.v1.${svc}.${m.name}: unresolved types`);
      out.push({ service: svc, name: m.name, path: `/csi.v1.${svc}/${m.name}`, requestType: m.resolvedRequestType, responseType: m.resolvedResponseType });
    }
  }
  roots.set(csiProto, out);
  return out;
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, bytes: String, defaults: false, oneofs: true };

function decode(type: protobuf.Type, buf: Buffer): Record<string, unknown> {
  try {
    return type.toObject(type.decode(buf), TO_OBJECT);
  } catch (err) {
    return { undecodable: String(err) };
  }
}

const identity = (b: Buffer): Buffer => b;

export interface CsiFaultProxyOptions {
  /** The official csi.proto (world.json / manifest `csiProto`). */
  readonly csiProto: string;
  /** The real driver: `unix:///abs/driver.sock`. */
  readonly target: string;
  /** Where the proxy listens (an absolute socket path under 100 bytes). */
  readonly socketPath: string;
}

export class CsiFaultProxy {
  readonly endpoint: string;
  readonly socketPath: string;
  readonly rules = new FaultRules();
  private readonly log: CallRecord[] = [];
  private readonly methods: readonly MethodInfo[];
  private readonly upstream: grpc.Client;
  private server: grpc.Server | undefined;
  private seq = 0;

  private constructor(opts: CsiFaultProxyOptions) {
    this.socketPath = opts.socketPath;
    this.endpoint = `unix://${opts.socketPath}`;
    this.methods = csiMethods(opts.csiProto);
    this.upstream = new grpc.Client(opts.target, grpc.credentials.createInsecure());
  }

  /** Starts listening at once (see `create` + `listen` for a socket that appears late). */
  static async start(opts: CsiFaultProxyOptions): Promise<CsiFaultProxy> {
    const p = CsiFaultProxy.create(opts);
    await p.listen();
    return p;
  }

  /** A proxy that does not listen yet. */
  static create(opts: CsiFaultProxyOptions): CsiFaultProxy {
    if (Buffer.byteLength(opts.socketPath) >= 100) throw new Error(`proxy socket path ${opts.socketPath} is too long for a unix socket`);
    return new CsiFaultProxy(opts);
  }

  /** Binds the socket (again, after `closeListener`); open connections of callers are new ones. */
  async listen(): Promise<void> {
    if (this.server) return;
    fs.rmSync(this.socketPath, { force: true });
    const server = new grpc.Server();
    for (const svc of SERVICES) {
      const defs: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
      const impl: grpc.UntypedServiceImplementation = {};
      for (const m of this.methods.filter((x) => x.service === svc)) {
        defs[m.name] = {
          path: m.path,
          requestStream: false,
          responseStream: false,
          requestSerialize: identity,
          requestDeserialize: identity,
          responseSerialize: identity,
          responseDeserialize: identity,
          originalName: m.name,
        };
        impl[m.name] = (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>): void => {
          void this.handle(m, call, cb);
        };
      }
      server.addService(defs, impl);
    }
    await new Promise<void>((resolve, reject) => {
      server.bindAsync(this.endpoint, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve()));
    });
    this.server = server;
  }

  /** Closes the listener and every open connection (callers see the connection drop). */
  closeListener(): void {
    this.server?.forceShutdown();
    this.server = undefined;
    fs.rmSync(this.socketPath, { force: true });
  }

  /** Appends a rule for one method (short name, e.g. 'CreateSnapshot'); returns its remover. */
  on(method: string, rule: FaultRule): () => void {
    if (!this.methods.some((m) => m.name === method)) throw new Error(`no CSI method ${method} in csi.proto`);
    return this.rules.add(method, rule);
  }

  /** Every call so far (or of one method), oldest first. Records of pending calls still change. */
  calls(method?: string): readonly CallRecord[] {
    return method === undefined ? [...this.log] : this.log.filter((c) => c.method === method);
  }

  /** Forgets the call log (rules stay). */
  clearLog(): void {
    this.log.length = 0;
  }

  async close(): Promise<void> {
    this.closeListener();
    this.upstream.close();
    await Promise.resolve();
  }

  private async handle(m: MethodInfo, call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>): Promise<void> {
    const request = decode(m.requestType, call.request);
    const rule = this.rules.take(m.name, request);
    const action = rule?.action;
    const rec: CallRecord = { seq: ++this.seq, method: m.name, path: m.path, start: Date.now(), request, action: action?.kind ?? 'forward', outcome: 'pending', forwarded: false };
    this.log.push(rec);
    let done = false;
    const cancelled = new AbortController();
    call.once('cancelled', () => {
      if (done) return;
      done = true;
      rec.outcome = 'cancelled';
      rec.end = Date.now();
      cancelled.abort();
    });
    const answer = (err: grpc.ServiceError | null, res?: Buffer): void => {
      if (done) return;
      done = true;
      rec.outcome = 'answered';
      rec.end = Date.now();
      rec.code = err ? err.code : grpc.status.OK;
      if (err) rec.message = err.details ?? err.message;
      if (err) cb(err);
      else cb(null, res);
    };
    const fail = (code: grpc.status, message: string): void => {
      answer(Object.assign(new Error(message), { code, details: message, metadata: new grpc.Metadata() }));
    };

    try {
      const delay = typeof rule?.delayMs === 'function' ? rule.delayMs() : (rule?.delayMs ?? 0);
      if (delay > 0) await sleep(delay);
      switch (action?.kind) {
        case 'error':
          fail(action.code, action.message ?? `injected ${grpc.status[action.code]}`);
          return;
        case 'hang':
          return; // the caller's deadline ends it
        case 'hook-then-hang':
          await action.hook(rec);
          return;
        case 'hook-then-forward':
          await action.hook(rec);
          break;
        default:
          break;
      }
      // Forward with the caller's metadata (secrets travel in the message, not in metadata).
      const md = call.metadata.clone();
      md.remove('user-agent');
      const { err, res } = await new Promise<{ err: grpc.ServiceError | null; res?: Buffer }>((resolve) => {
        rec.forwarded = true;
        this.upstream.makeUnaryRequest(m.path, identity, identity, call.request, md, { deadline: Date.now() + 60_000 }, (e, r) => {
          resolve(r === undefined ? { err: e } : { err: e, res: r });
        });
      });
      rec.driverCode = err ? err.code : grpc.status.OK;
      switch (action?.kind) {
        case 'forward-then-hang':
          return;
        case 'forward-then-error':
          fail(action.code, action.message ?? `injected ${grpc.status[action.code]} after the driver answered`);
          return;
        case 'forward-then-hook':
          await action.hook(rec, err || !res ? undefined : decode(m.responseType, res));
          break;
        case 'answer-then-hook': {
          answer(err, res);
          const hook = action.hook;
          setTimeout(() => void Promise.resolve(hook(rec)).catch(() => undefined), action.afterMs);
          return;
        }
        default:
          break;
      }
      answer(err, res);
    } catch (e) {
      fail(grpc.status.INTERNAL, `fault proxy: ${String(e)}`);
    }
  }
}

/** Decodes a response Buffer of `method` (short name) with the official proto, for tests of the proxy. */
export function decodeResponse(csiProto: string, method: string, buf: Buffer): Record<string, unknown> {
  const m = csiMethods(csiProto).find((x) => x.name === method);
  if (!m) throw new Error(`no CSI method ${method}`);
  return decode(m.responseType, buf);
}

/** Encodes a request of `method` with the official proto (tests that call the proxy directly). */
export function encodeRequest(csiProto: string, method: string, request: Record<string, unknown>): Buffer {
  const m = csiMethods(csiProto).find((x) => x.name === method);
  if (!m) throw new Error(`no CSI method ${method}`);
  return Buffer.from(m.requestType.encode(m.requestType.fromObject(request)).finish());
}

/** Milliseconds between consecutive calls (for back-off spacing assertions). */
export function gaps(calls: readonly CallRecord[]): readonly number[] {
  return calls.slice(1).map((c, i) => c.start - (calls[i]?.start ?? c.start));
}
