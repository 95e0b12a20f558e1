// A .proto file loaded with protobufjs the way the tests read csi.proto: field names as written
// (keepCase), every type resolved. protobufjs bundles timestamp/wrappers but must be told where
// descriptor.proto is: google/protobuf/ imports resolve to its own copies.
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';

const PROTOBUFJS_DIR = path.dirname(createRequire(import.meta.url).resolve('protobufjs/package.json'));

export function loadProtoRoot(file: string): protobuf.Root {
  const root = new protobuf.Root();
  const resolve = root.resolvePath.bind(root);
  root.resolvePath = (origin, target) =>
    target.startsWith('google/protobuf/') ? path.join(PROTOBUFJS_DIR, target) : resolve(origin, target);
  root.loadSync(file, { keepCase: true });
  root.resolveAll();
  return root;
}
