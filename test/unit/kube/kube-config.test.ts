import { afterAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfigError } from '../../../src/kube/kube-config-error.js';
import { loadKubeConfig } from '../../../src/kube/kube-config.js';
import { openGate } from '../../support/open-gate.js';
import { VirtualClock } from '../../support/virtual-clock.js';

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

  test('in-cluster re-reads the rotating service-account token once a minute, and the CA once', async () => {
    const sa = fs.mkdtempSync(path.join(dir, 'sa-'));
    fs.writeFileSync(path.join(sa, 'token'), 'first\n');
    fs.writeFileSync(path.join(sa, 'ca.crt'), 'ca-bytes');
    const clock = new VirtualClock();
    const kc = loadKubeConfig({
      ...base,
      clock,
      kubeconfigPath: '',
      env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' },
      serviceAccountDir: sa,
    });
    expect(kc.endpoint.tls.ca?.toString()).toBe('ca-bytes');
    expect((await kc.connection()).headers['Authorization']).toBe('Bearer first');
    fs.writeFileSync(path.join(sa, 'token'), 'second');
    await clock.advance(59_000);
    expect((await kc.connection()).headers['Authorization']).toBe('Bearer first');
    await clock.advance(2_000);
    expect((await kc.connection()).headers['Authorization']).toBe('Bearer second');
    await kc.close();
  });

  test('file paths in a kubeconfig are relative to its directory; a missing one is named', () => {
    const cfgDir = fs.mkdtempSync(path.join(dir, 'rel-'));
    fs.writeFileSync(path.join(cfgDir, 'ca.pem'), 'the-ca');
    fs.writeFileSync(path.join(cfgDir, 'tok'), 'file-token');
    const file = writeKubeconfig(cfgDir, { cluster: 'certificate-authority: ca.pem', user: 'token-file: tok' });
    const kc = loadKubeConfig({ ...base, kubeconfigPath: file, env: {} });
    expect(kc.endpoint.tls.ca?.toString()).toBe('the-ca');
    expect(kc.endpoint.credentials).toEqual({ kind: 'tokenFile', file: path.join(cfgDir, 'tok') });

    const broken = writeKubeconfig(cfgDir, { cluster: 'certificate-authority: missing.pem', user: 'token: t' });
    const err = errorOf(() => loadKubeConfig({ ...base, kubeconfigPath: broken, env: {} }));
    expect(err.code).toBe('KubeconfigInvalid');
    expect(err.message).toContain(path.join(cfgDir, 'missing.pem'));
  });

  test('an exec credential plugin supplies the bearer token', async () => {
    const cfgDir = fs.mkdtempSync(path.join(dir, 'exec-'));
    const plugin = path.join(cfgDir, 'plugin.sh');
    fs.writeFileSync(
      plugin,
      '#!/bin/sh\necho \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-exec"}}\'\n',
      { mode: 0o755 },
    );
    const file = writeKubeconfig(cfgDir, {
      user: `exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ${plugin}\n      interactiveMode: Never`,
    });
    const kc = loadKubeConfig({ ...base, kubeconfigPath: file, env: {} });
    expect((await kc.connection()).headers['Authorization']).toBe('Bearer from-exec');
    await kc.close();
  });

  test('HTTPS_PROXY applies unless NO_PROXY exempts the server; a kubeconfig proxy-url takes precedence', () => {
    const cfgDir = fs.mkdtempSync(path.join(dir, 'proxy-'));
    const plain = writeKubeconfig(cfgDir, { user: 'token: t' });
    const proxyEnv = { httpsProxy: 'http://env-proxy:3128' };
    expect(loadKubeConfig({ ...base, kubeconfigPath: plain, env: {}, proxyEnv }).endpoint.proxyUrl).toBe('http://env-proxy:3128');
    const sa = fs.mkdtempSync(path.join(dir, 'sa-'));
    fs.writeFileSync(path.join(sa, 'token'), 't');
    fs.writeFileSync(path.join(sa, 'ca.crt'), 'c');
    const inCluster = { ...base, kubeconfigPath: '', env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: sa };
    expect(loadKubeConfig({ ...inCluster, proxyEnv }).endpoint.proxyUrl).toBe('http://env-proxy:3128');
    expect(loadKubeConfig({ ...inCluster, proxyEnv: { ...proxyEnv, noProxy: '10.96.0.0/12' } }).endpoint.proxyUrl).toBeUndefined();
    expect(loadKubeConfig({ ...base, kubeconfigPath: plain, env: {}, proxyEnv: { ...proxyEnv, noProxy: '.example.test' } }).endpoint.proxyUrl).toBeUndefined();
    const withUrl = writeKubeconfig(cfgDir, { cluster: 'proxy-url: http://kubeconfig-proxy:8080', user: 'token: t' });
    expect(loadKubeConfig({ ...base, kubeconfigPath: withUrl, env: {}, proxyEnv }).endpoint.proxyUrl).toBe('http://kubeconfig-proxy:8080');
  });

  test('the removed gcp auth-provider and a socks proxy are refused with the replacement named', () => {
    const cfgDir = fs.mkdtempSync(path.join(dir, 'gcp-'));
    const gcp = writeKubeconfig(cfgDir, { user: 'auth-provider:\n      name: gcp' });
    const err = errorOf(() => loadKubeConfig({ ...base, kubeconfigPath: gcp, env: {} }));
    expect(err.code).toBe('KubeconfigInvalid');
    expect(err.message).toContain('gke-gcloud-auth-plugin');

    const socks = writeKubeconfig(cfgDir, { cluster: 'proxy-url: socks5://127.0.0.1:1080', user: 'token: t' });
    const err2 = errorOf(() => loadKubeConfig({ ...base, kubeconfigPath: socks, env: {} }));
    expect(err2.message).toContain('socks5');
    expect(err2.remedy).toContain('http://');
  });
});

let kubeconfigSeq = 0;

/** A kubeconfig with one cluster and user; `cluster`/`user` add indented YAML lines. */
function writeKubeconfig(cfgDir: string, extra: { cluster?: string; user?: string }): string {
  const file = path.join(cfgDir, `kubeconfig-${++kubeconfigSeq}`);
  fs.writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: c\n  cluster:\n    server: https://api.example.test:6443${extra.cluster ? `\n    ${extra.cluster}` : ''}`,
      'users:',
      `- name: u\n  user:${extra.user ? `\n    ${extra.user}` : ' {}'}`,
      'contexts:',
      '- name: x\n  context:\n    cluster: c\n    user: u',
      'current-context: x',
      '',
    ].join('\n'),
  );
  return file;
}
