// The scripted test driver speaks the OFFICIAL csi.proto (CSI spec v1.12.0 from the Go module
// cache), not our proto/csi.proto: otherwise a mistake in our proto would sit on both ends of the
// wire in every test that uses it and never show. Checked on the wire: grpc-js answers a method
// of a REGISTERED service that has no handler with "does not implement the method CreateVolume",
// and a method of no registered service with the full path; CreateVolume is in the official
// Controller service and not in ours.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CSI_PROTO_PATH, loadCsiPackage } from '../../../src/csi/proto-package.js';
import { loadOfficialCsiPackage, officialCsiProtoPath } from '../../support/official-csi-proto.js';
import { ScriptedCsiDriver } from '../../support/scripted-csi-driver.js';
import { CsiAdmin } from '../../world/csi-admin.js';

/** Per test and hook (jest's default is 5 s): loading the official proto from the Go module cache
 * and one gRPC call, on a loaded machine. */
const TEST_TIMEOUT_MS = 15_000;

describe('ScriptedCsiDriver loads the official csi.proto', () => {
  let driver: ScriptedCsiDriver;
  let admin: CsiAdmin;

  beforeAll(async () => {
    driver = await ScriptedCsiDriver.start();
    admin = CsiAdmin.open({ endpoint: driver.address, csiProto: officialCsiProtoPath() });
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    admin?.close();
    await driver?.stop();
  }, TEST_TIMEOUT_MS);

  test('the proto it loads is the spec module v1.12.0 in the Go module cache, not ours', () => {
    const file = officialCsiProtoPath();
    expect(file).toMatch(/github\.com\/container-storage-interface\/spec@v1\.12\.0\/csi\.proto$/);
    expect(path.resolve(file)).not.toBe(path.resolve(CSI_PROTO_PATH));
    // The premise of the wire check below: CreateVolume is only in the official service.
    expect(Object.keys(loadOfficialCsiPackage().csi.v1.Controller.service)).toContain('CreateVolume');
    expect(Object.keys(loadCsiPackage().csi.v1.Controller.service)).not.toContain('CreateVolume');
  }, TEST_TIMEOUT_MS);

  test('on the wire, its Controller service is the official one: CreateVolume is registered (unscripted), not unknown', async () => {
    await expect(admin.createVolume({ name: 'probe' }, AbortSignal.timeout(5_000))).rejects.toThrow(
      /UNIMPLEMENTED: The server does not implement the method CreateVolume$/,
    );
  }, TEST_TIMEOUT_MS);
});
