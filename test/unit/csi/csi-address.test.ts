import { describe, expect, test } from '@jest/globals';
import { CsiAddressError, parseCsiAddress } from '../../../src/csi/csi-address.js';

describe('parseCsiAddress', () => {
  test.each([
    ['/run/csi/socket', 'unix:///run/csi/socket', '/run/csi/socket'],
    ['unix:///run/csi/socket', 'unix:///run/csi/socket', '/run/csi/socket'],
  ])('accepts %s as target %s', (address, target, socketPath) => {
    expect(parseCsiAddress(address)).toEqual({ target, socketPath });
  });

  test.each(['run/csi/socket', 'localhost:10000', 'dns:///csi:1234', 'tcp://10.0.0.1:9000', 'unix://relative/sock', ''])(
    'rejects %j with an error naming the flag and the accepted forms',
    (address) => {
      let caught: unknown;
      try {
        parseCsiAddress(address);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(CsiAddressError);
      const err = caught as CsiAddressError;
      expect(err.code).toBe('InvalidCsiAddress');
      expect(err.message).toContain('--csi-address');
      expect(err.message).toContain('unix:///run/csi/socket');
      expect(err.message).toContain(JSON.stringify(address));
    },
  );
});

describe('CsiAddressError', () => {
  test('the remedy is the accepted forms, and the message is the flag and value followed by it', () => {
    const err = new CsiAddressError('tcp://x:1');
    expect(err.remedy).toBe('expected an absolute unix socket path ("/run/csi/socket") or "unix:///run/csi/socket"; only unix domain sockets are supported');
    expect(err.message).toBe(`invalid --csi-address "tcp://x:1": ${err.remedy}`);
  });
});
