// Our hand-written proto/csi.proto must be wire-identical, for everything it declares, to the
// official csi.proto of CSI spec v1.12.0, which is fetched through the Go module cache at test
// time (never vendored). Also pins the assumption of the log redaction rule: every field the
// spec marks (csi.v1.csi_secret) is named `secrets`.

import path from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import protobuf from 'protobufjs';
import { CSI_PROTO_PATH } from '../../../src/csi/proto-package.js';
import { downloadGoModule } from '../../support/go-mod-cache.js';
import { CSI_SPEC_MODULE, CSI_SPEC_VERSION } from '../../support/official-csi-proto.js';
import { loadProtoRoot } from '../../support/proto-root.js';

/** Everything about a field that affects the wire or our reading of it. */
function describeField(field: protobuf.Field): Record<string, unknown> {
  return {
    id: field.id,
    type: field.resolvedType?.fullName ?? field.type,
    repeated: field.repeated,
    map: field instanceof protobuf.MapField ? { keyType: field.keyType } : null,
    oneof: field.partOf?.name ?? null,
    extend: field.extend ?? null,
    options: field.options ?? {},
  };
}

function describeType(type: protobuf.Type): Record<string, unknown> {
  return {
    fields: Object.fromEntries(type.fieldsArray.map((f) => [f.name, describeField(f)])),
    oneofs: Object.fromEntries(type.oneofsArray.map((o) => [o.name, [...o.oneof].sort()])),
    options: type.options ?? {},
  };
}

function describeEnum(e: protobuf.Enum): Record<string, unknown> {
  return { values: { ...e.values }, valuesOptions: e.valuesOptions ?? {}, options: e.options ?? {} };
}

function describeService(service: protobuf.Service): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    service.methodsArray.map((m) => [
      m.name,
      {
        request: m.resolvedRequestType?.fullName,
        response: m.resolvedResponseType?.fullName,
        requestStream: m.requestStream === true,
        responseStream: m.responseStream === true,
        options: m.options ?? {},
      },
    ]),
  );
}

type Element = protobuf.Type | protobuf.Enum | protobuf.Service | protobuf.Field;

/** Every type, enum, service and extension declared under `ns`, nested ones included. */
function elementsOf(ns: protobuf.NamespaceBase): Element[] {
  const out: Element[] = [];
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type || nested instanceof protobuf.Enum || nested instanceof protobuf.Service) {
      out.push(nested);
    } else if (nested instanceof protobuf.Field) {
      out.push(nested); // an `extend` field
    }
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) out.push(...elementsOf(nested));
  }
  return out;
}

function describe_(element: protobuf.ReflectionObject): Record<string, unknown> {
  if (element instanceof protobuf.Type) return { kind: 'message', ...describeType(element) };
  if (element instanceof protobuf.Enum) return { kind: 'enum', ...describeEnum(element) };
  if (element instanceof protobuf.Service) return { kind: 'service', methods: describeService(element) };
  if (element instanceof protobuf.Field) return { kind: 'extension', ...describeField(element) };
  return { kind: 'other' };
}

function allFields(root: protobuf.Root): protobuf.Field[] {
  return elementsOf(root).flatMap((e) => (e instanceof protobuf.Type ? e.fieldsArray : []));
}

describe('proto/csi.proto matches CSI spec v1.12.0', () => {
  let ours: protobuf.Root;
  let official: protobuf.Root;
  let ourPackage: protobuf.Namespace;

  beforeAll(async () => {
    // Any failure here (no `go`, no network, no module) fails every test with the reason.
    const spec = await downloadGoModule(CSI_SPEC_MODULE, CSI_SPEC_VERSION);
    official = loadProtoRoot(path.join(spec.dir, 'csi.proto'));
    ours = loadProtoRoot(CSI_PROTO_PATH);
    ourPackage = ours.lookup('csi.v1') as protobuf.Namespace;
  }, 180_000);

  test('declares the three services the sidecar uses and no others', () => {
    const services = elementsOf(ourPackage).filter((e) => e instanceof protobuf.Service).map((s) => s.name);
    expect(services.sort()).toEqual(['Controller', 'GroupController', 'Identity']);
  });

  test('declares exactly the snapshot subset of methods', () => {
    const methods = (name: string): string[] => Object.keys(ours.lookupService(`csi.v1.${name}`).methods).sort();
    expect(methods('Identity')).toEqual(['GetPluginCapabilities', 'GetPluginInfo', 'Probe']);
    expect(methods('Controller')).toEqual([
      'ControllerGetCapabilities',
      'CreateSnapshot',
      'DeleteSnapshot',
      'GetSnapshot',
      'ListSnapshots',
    ]);
    expect(methods('GroupController')).toEqual([
      'CreateVolumeGroupSnapshot',
      'DeleteVolumeGroupSnapshot',
      'GetVolumeGroupSnapshot',
      'GroupControllerGetCapabilities',
    ]);
  });

  test('every method has the official request/response types, streaming flags and options', () => {
    for (const service of elementsOf(ourPackage).filter((e) => e instanceof protobuf.Service)) {
      const theirs = official.lookupService(service.fullName);
      const officialMethods = describeService(theirs);
      for (const [name, described] of Object.entries(describeService(service))) {
        expect({ method: `${service.fullName}.${name}`, ...described }).toEqual({
          method: `${service.fullName}.${name}`,
          ...officialMethods[name],
        });
      }
    }
  });

  test('every message, enum and option extension equals its official counterpart', () => {
    const checked: string[] = [];
    for (const element of elementsOf(ourPackage).filter((e) => !(e instanceof protobuf.Service))) {
      const theirs = official.lookup(element.fullName);
      expect({ name: element.fullName, found: theirs !== null }).toEqual({ name: element.fullName, found: true });
      expect({ name: element.fullName, ...describe_(element) }).toEqual({
        name: element.fullName,
        ...describe_(theirs as protobuf.ReflectionObject),
      });
      checked.push(element.fullName);
    }
    // Guard against a walk that silently checks nothing.
    expect(checked).toEqual(expect.arrayContaining(['.csi.v1.Snapshot', '.csi.v1.ControllerServiceCapability.RPC.Type']));
  });

  test('every (csi.v1.csi_secret) field in the official spec is named `secrets`', () => {
    const secretFields = allFields(official).filter((f) => f.options?.['(csi_secret)'] === true);
    expect(secretFields.length).toBeGreaterThan(0);
    expect(secretFields.filter((f) => f.name !== 'secrets').map((f) => f.fullName)).toEqual([]);
  });

  test('every `secrets` field we declare carries (csi.v1.csi_secret)', () => {
    const ourSecrets = allFields(ours).filter((f) => f.name === 'secrets');
    expect(ourSecrets.length).toBe(7);
    expect(ourSecrets.filter((f) => f.options?.['(csi_secret)'] !== true).map((f) => f.fullName)).toEqual([]);
  });
});
