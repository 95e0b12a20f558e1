import { afterAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfigError, loadKubeConfig } from '../../../src/kube/kube-config.js';
import { openGate } from '../../../src/kube/request-gate.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kcfg-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const base = { userAgent: 'csi-snapshotter/test', gate: openGate };

function errorOf(fn: () => unknown): KubeConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KubeConfigError) return err;
    throw err;
  }
  throw new Error('expected a KubeConfigError');
}

describe('loadKubeConfig', () => {
  test('a missing --kubeconfig file is KubeconfigUnreadable naming the file', () => {
    const file = path.join(dir, 'nope');
    const err = errorOf(() => loadKubeConfig({ ...base, kubeconfigPath: file, env: {} }));
    expect(err.code).toBe('KubeconfigUnreadable');
    expect(err.message).toContain(file);
  });

  test('an invalid kubeconfig is KubeconfigInvalid and does not quote the file content', () => {
    const file = path.join(dir, 'bad');
    fs.writeFileSync(file, 'users: [ {name: x, user: {token: s3cr3t-token\n');
    const err = errorOf(() => loadKubeConfig({ ...base, kubeconfigPath: file, env: {} }));
    expect(err.code).toBe('KubeconfigInvalid');
    expect(err.message).not.toContain('s3cr3t');
  });

  test('without --kubeconfig and without the service env it fails naming the variables (no localhost fallback)', () => {
    const err = errorOf(() => loadKubeConfig({ ...base, kubeconfigPath: '', env: { KUBERNETES_SERVICE_PORT: '443' } }));
    expect(err.code).toBe('InClusterEnvMissing');
    expect(err.message).toContain('KUBERNETES_SERVICE_HOST');
    expect(err.message).not.toContain('KUBERNETES_SERVICE_PORT');
  });

  test('in-cluster without a token file fails naming the file', () => {
    const sa = fs.mkdtempSync(path.join(dir, 'sa-'));
    const err = errorOf(() =>
      loadKubeConfig({ ...base, kubeconfigPath: '', env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: sa }),
    );
    expect(err.code).toBe('InClusterFileMissing');
    expect(err.message).toContain(path.join(sa, 'token'));
  });

  test('in-cluster builds an https server URL (IPv6 bracketed) with the token file', () => {
    const sa = fs.mkdtempSync(path.join(dir, 'sa-'));
    fs.writeFileSync(path.join(sa, 'token'), 't');
    fs.writeFileSync(path.join(sa, 'ca.crt'), 'c');
    const kc = loadKubeConfig({
      ...base,
      kubeconfigPath: '',
      env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '8080' },
      serviceAccountDir: sa,
    });
    expect(kc.serverUrl()).toBe('https://[fd00::1]:8080');
  });
});
