import { describe, expect, test } from '@jest/globals';
import { proxyForServer } from '../../../src/kube/env-proxy.js';

const P = 'http://proxy.corp:3128';

describe('proxyForServer (Go http.ProxyFromEnvironment for the API server)', () => {
  test.each([
    ['https server, HTTPS_PROXY set', 'https://10.96.0.1:443', { httpsProxy: P }, P],
    ['https server ignores HTTP_PROXY', 'https://10.96.0.1:443', { httpProxy: P }, undefined],
    ['http server uses HTTP_PROXY', 'http://api.example.com:8080', { httpProxy: P }, P],
    ['a bare host:port proxy means http://', 'https://10.96.0.1', { httpsProxy: 'proxy.corp:3128' }, P],
    ['localhost is never proxied', 'https://localhost:6443', { httpsProxy: P }, undefined],
    ['127.x is never proxied', 'https://127.0.0.1:6443', { httpsProxy: P }, undefined],
    ['::1 is never proxied', 'https://[::1]:6443', { httpsProxy: P }, undefined],
    ['NO_PROXY=*', 'https://10.96.0.1', { httpsProxy: P, noProxy: '*' }, undefined],
    ['NO_PROXY CIDR match', 'https://10.96.0.1', { httpsProxy: P, noProxy: 'foo.com, 10.96.0.0/12' }, undefined],
    ['NO_PROXY CIDR miss', 'https://192.168.1.5', { httpsProxy: P, noProxy: '10.96.0.0/12' }, P],
    ['NO_PROXY IPv6 CIDR', 'https://[fd00::1]:443', { httpsProxy: P, noProxy: 'fd00::/8' }, undefined],
    ['NO_PROXY exact IP', 'https://10.96.0.1', { httpsProxy: P, noProxy: '10.96.0.1' }, undefined],
    ['NO_PROXY domain matches itself', 'https://kubernetes.default.svc', { httpsProxy: P, noProxy: 'kubernetes.default.svc' }, undefined],
    ['NO_PROXY domain matches subdomains', 'https://api.cluster.local', { httpsProxy: P, noProxy: 'cluster.local' }, undefined],
    ['NO_PROXY .domain does not match the bare domain', 'https://cluster.local', { httpsProxy: P, noProxy: '.cluster.local' }, P],
    ['NO_PROXY *.domain matches subdomains', 'https://api.cluster.local', { httpsProxy: P, noProxy: '*.cluster.local' }, undefined],
    ['NO_PROXY suffix must be a label boundary', 'https://evilcluster.local', { httpsProxy: P, noProxy: 'cluster.local' }, P],
    ['NO_PROXY host:port needs the same port', 'https://api.example.com:6443', { httpsProxy: P, noProxy: 'api.example.com:443' }, P],
    ['NO_PROXY host:port with the default port', 'https://api.example.com', { httpsProxy: P, noProxy: 'api.example.com:443' }, undefined],
    ['a malformed CIDR matches nothing', 'https://10.96.0.1', { httpsProxy: P, noProxy: '10.96.0.0/99' }, P],
  ])('%s', (_what, server, env, expected) => {
    expect(proxyForServer(server, env)).toBe(expected);
  });
});
