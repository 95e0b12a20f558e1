// Which proxy, if any, the environment asks for on the way to the API server, decided as Go's
// http.ProxyFromEnvironment does for client-go: HTTPS_PROXY (or https_proxy) for an https server,
// HTTP_PROXY for http; never for localhost or a loopback address; not when NO_PROXY matches the
// host ("*", a domain and its subdomains, ".domain" for subdomains only, an IP, a CIDR, host:port).
// The sidecar talks to one server, so this is decided once, at load time.

import net from 'node:net';

/** The proxy variables as the CLI read them (upper case first, as Go). */
export interface ProxyEnvironment {
  readonly httpsProxy?: string | undefined;
  readonly httpProxy?: string | undefined;
  readonly noProxy?: string | undefined;
}

/** The proxy URL for requests to `serverUrl`, or undefined to connect directly. */
export function proxyForServer(serverUrl: string, env: ProxyEnvironment): string | undefined {
  const server = new URL(serverUrl);
  const raw = (server.protocol === 'https:' ? env.httpsProxy : env.httpProxy)?.trim() ?? '';
  if (raw === '') return undefined;
  const host = server.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || isLoopback(host)) return undefined;
  const port = server.port !== '' ? server.port : server.protocol === 'https:' ? '443' : '80';
  if (noProxyMatches(env.noProxy ?? '', host, port)) return undefined;
  // Go accepts a bare "host:port" and means http://host:port.
  return raw.includes('://') ? raw : `http://${raw}`;
}

function isLoopback(host: string): boolean {
  if (net.isIPv4(host)) return host.startsWith('127.');
  if (net.isIPv6(host)) return host === '::1';
  return false;
}

function noProxyMatches(noProxy: string, host: string, port: string): boolean {
  for (const rawEntry of noProxy.split(',')) {
    const entry = rawEntry.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      if (inCidr(host, entry)) return true;
      continue;
    }
    let name = entry;
    const portMatch = /^(.*):(\d+)$/.exec(entry);
    if (portMatch !== null && !net.isIPv6(entry)) {
      if (portMatch[2] !== port) continue;
      name = portMatch[1] ?? '';
    }
    name = name.replace(/^\[|\]$/g, '');
    if (net.isIP(name) !== 0) {
      if (name === host) return true;
      continue;
    }
    if (name.startsWith('*.')) name = name.slice(1);
    if (name.startsWith('.')) {
      if (host.endsWith(name)) return true;
    } else if (host === name || host.endsWith(`.${name}`)) {
      return true;
    }
  }
  return false;
}

function inCidr(host: string, cidr: string): boolean {
  const [address = '', bits = ''] = cidr.split('/');
  const family = net.isIPv4(address) ? 'ipv4' : net.isIPv6(address) ? 'ipv6' : undefined;
  const prefix = Number(bits);
  if (family === undefined || !Number.isInteger(prefix) || net.isIP(host) === 0) return false;
  const list = new net.BlockList();
  try {
    list.addSubnet(address, prefix, family);
  } catch {
    return false; // a malformed entry matches nothing, as in Go
  }
  return list.check(host, net.isIPv4(host) ? 'ipv4' : 'ipv6');
}
