// The client interceptor every CSI call goes through: it reports each finished unary call to a
// CsiCallObserver (observability's csi_sidecar_operations_seconds histogram implements it
// structurally, without importing csi/, and app/ wires it in) and, at --v>=5, logs request and
// response with every `secrets` map stripped — the equivalent of
// csi-lib-utils' metrics and logging interceptors (upstream-sidecar.md §2 step 9, §6.1).

import * as grpc from '@grpc/grpc-js';
import type { Clock } from '../base/clock.js';
import type { Logger } from '../observability/logger.js';
import { grpcCodeName, NON_GRPC_CODE, type GrpcCodeName } from './grpc-errors.js';
import { redactSecrets } from '../observability/redact.js';

export interface CsiCallSample {
  /** Full gRPC method, e.g. `/csi.v1.Controller/CreateSnapshot`. */
  readonly method: string;
  readonly seconds: number;
  /** Go-style status name (`OK`, `DeadlineExceeded`, …) or `unknown-non-grpc`. */
  readonly code: GrpcCodeName | typeof NON_GRPC_CODE;
}

export interface CsiCallObserver {
  observe(sample: CsiCallSample): void;
}

export const nullCallObserver: CsiCallObserver = { observe: () => undefined };

/** klog verbosity of the request/response lines (upstream logs them at V(5)). */
const WIRE_LOG_LEVEL = 5;

export function createCsiInterceptor(deps: {
  readonly observer: CsiCallObserver;
  readonly log: Logger;
  readonly clock: Clock;
}): grpc.Interceptor {
  const { observer, log, clock } = deps;
  return (options, nextCall) => {
    const method = options.method_definition.path;
    const started = clock.monotonic();
    const wireLog = log.enabled(WIRE_LOG_LEVEL);
    let response: unknown;
    const requester = new grpc.RequesterBuilder()
      .withStart((metadata, _listener, next) => {
        const observing = new grpc.ListenerBuilder()
          .withOnReceiveMessage((message: unknown, nextMessage) => {
            response = message;
            nextMessage(message);
          })
          .withOnReceiveStatus((status, nextStatus) => {
            const code = grpcCodeName(status.code) ?? NON_GRPC_CODE;
            observer.observe({ method, seconds: (clock.monotonic() - started) / 1000, code });
            if (wireLog) {
              const fields =
                status.code === grpc.status.OK
                  ? { method, response: redactSecrets(response) }
                  : { method, err: `rpc error: code = ${code} desc = ${status.details}` };
              log.v(WIRE_LOG_LEVEL).info('GRPC response', fields);
            }
            nextStatus(status);
          })
          .build();
        // grpc-js chains this partial listener in front of the caller's own.
        next(metadata, observing);
      })
      .withSendMessage((message: unknown, next) => {
        if (wireLog) log.v(WIRE_LOG_LEVEL).info('GRPC call', { method, request: redactSecrets(message) });
        next(message);
      })
      .build();
    return new grpc.InterceptingCall(nextCall(options), requester);
  };
}
