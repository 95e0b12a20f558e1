import { describe, expect, test } from '@jest/globals';
import { StartupError } from '../../../src/app/driver-handshake.js';
import { CodedError } from '../../../src/base/coded-error.js';
import { CsiAddressError } from '../../../src/csi/csi-address.js';

describe('StartupError', () => {
  test('wrapping a coded error with a remedy: the remedy is the cause one (its message embeds the cause text)', () => {
    const cause = new CsiAddressError('tcp://x:1');
    const err = new StartupError('CsiConnectFailed', `error connecting to CSI driver: ${cause.message}`, cause);
    expect(err).toBeInstanceOf(CodedError);
    expect(err.code).toBe('CsiConnectFailed');
    expect(err.remedy).toBe(cause.remedy);
    expect(err.remedy).not.toBe('');
    expect(err.cause).toBe(cause);
    expect(err.exitCode).toBe(1);
  });

  test('wrapping a plain error, or none: no remedy; the cause property is set either way, as before', () => {
    const plain = new StartupError('DriverNameFailed', 'error getting CSI driver name: driver name is empty', new Error('driver name is empty'));
    expect(plain.remedy).toBe('');
    const none = new StartupError('SnapshotsUnsupported', 'CSI driver d does not support ControllerCreateSnapshot');
    expect(none.remedy).toBe('');
    expect(Object.hasOwn(none, 'cause')).toBe(true);
    expect(none.name).toBe('StartupError');
  });
});
