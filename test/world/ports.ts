// Free loopback TCP ports for the world's listeners. The port is only reserved while we hold it, so
// callers that hand it to another process must tolerate EADDRINUSE on start (the launcher retries).
import net from 'node:net';

/** Asks the kernel for an unused port on 127.0.0.1 and releases it at once. */
export function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** Distinct free ports (the kernel may hand the same one out twice after a close). */
export async function freePorts(count: number): Promise<readonly number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
