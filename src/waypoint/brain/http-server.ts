/** Prometheus `/metrics` and `/healthz/ready` over plain node:http (Istio's 15020 / 15021 split). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface BrainHttpServer {
  listen(host: string, port: number): Promise<number>;
  close(): Promise<void>;
}

export function createBrainHttpServer(registry: Registry, ready: () => boolean): BrainHttpServer {
  const servers: Server[] = [];
  const handler: Parameters<typeof createServer>[1] = (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/metrics') {
      registry
        .metrics()
        .then((body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body))
        .catch((e: unknown) => res.writeHead(500).end(String(e)));
    } else if (path === '/healthz/ready') {
      const ok = ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready: waiting for policies\n');
    } else res.writeHead(404).end();
  };
  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        const s = createServer(handler);
        servers.push(s);
        s.once('error', reject);
        s.listen(port, host, () => resolve((s.address() as AddressInfo).port));
      }),
    close: async () => {
      await Promise.all(servers.map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); })));
    },
  };
}
