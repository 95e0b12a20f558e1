// Parses --csi-address. Upstream (csi-lib-utils connection.go) turns a path into unix://<path> and
// refuses anything else because connection-loss detection is unix-only. A bare path must never
// reach grpc-js: it would resolve it as dns:/path (node-ecosystem.md T9).

import { CodedError } from '../base/coded-error.js';

export interface CsiAddress {
  /** The grpc-js target, always `unix:///abs/path`. */
  readonly target: string;
  /** The socket's filesystem path, for diagnostics. */
  readonly socketPath: string;
}

const CSI_ADDRESS_REMEDY =
  'expected an absolute unix socket path ("/run/csi/socket") or "unix:///run/csi/socket"; ' +
  'only unix domain sockets are supported';

export class CsiAddressError extends CodedError<'InvalidCsiAddress'> {
  override readonly name = 'CsiAddressError';
  readonly address: string;

  constructor(address: string) {
    super('InvalidCsiAddress', `invalid --csi-address ${JSON.stringify(address)}: ${CSI_ADDRESS_REMEDY}`, {
      remedy: CSI_ADDRESS_REMEDY,
    });
    this.address = address;
  }
}

const UNIX_SCHEME = 'unix://';

export function parseCsiAddress(address: string): CsiAddress {
  const socketPath = address.startsWith(UNIX_SCHEME) ? address.slice(UNIX_SCHEME.length) : address;
  // After the scheme the path must be absolute: `unix://relative` would be an authority in gRPC.
  if (!socketPath.startsWith('/') || socketPath.length < 2) throw new CsiAddressError(address);
  return { target: `${UNIX_SCHEME}${socketPath}`, socketPath };
}
