import type { AddressInfo, Server } from 'node:net';

/** Binds a listener (TCP, TLS or HTTP server); rejects with the bind error (e.g. EADDRINUSE) instead of throwing later. */
export function listenOn(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}
