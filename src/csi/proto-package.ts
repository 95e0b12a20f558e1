// Loads proto/csi.proto into grpc-js service constructors. Owns the ONE set of proto-loader
// options: the generated types under src/gen/ are a claim about the runtime shape that holds only
// when the generator ran with these same options (test/unit/csi/generated-types.test.ts derives
// the generator flags from CSI_LOADER_OPTIONS and diffs its output against src/gen/).

import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../gen/csi.js';

/** Where our CSI contract lives; resolved from this module so it works from src/ and dist/. */
export const CSI_PROTO_PATH: string = fileURLToPath(new URL('../../proto/csi.proto', import.meta.url));

/**
 * keepCase: snake_case fields as in the spec. longs: String keeps int64 `size_bytes` exact (we
 * convert to bigint). enums: String gives capability names. defaults: scalars default and absent
 * messages come back as null. oneofs: adds the `type` discriminator on capabilities.
 */
export const CSI_LOADER_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
} as const satisfies protoLoader.Options;

let cached: ProtoGrpcType | undefined;

/** The csi.v1 package; parsed once per process (~75 ms), synchronously at first use. */
export function loadCsiPackage(): ProtoGrpcType {
  if (cached === undefined) {
    const definition = protoLoader.loadSync(CSI_PROTO_PATH, { ...CSI_LOADER_OPTIONS });
    // The cast is the generated types' claim; see the header comment for how it is kept true.
    cached = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  }
  return cached;
}
