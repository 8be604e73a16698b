/** Test HTTP apps standing in for pods: each answers with its name, the request it saw, and optional behaviours. */
import http from 'node:http';

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
}

export interface TestApp {
  readonly name: string;
  readonly seen: SeenRequest[];
  /** Replaces how the app answers (default: 200 with `{"app": name, ...}`). */
  behave(fn: ((req: http.IncomingMessage, res: http.ServerResponse, n: number) => void) | undefined): void;
  close(): Promise<void>;
}

export async function startApp(name: string, address: string, port: number): Promise<TestApp> {
  const seen: SeenRequest[] = [];
  let behaviour: ((req: http.IncomingMessage, res: http.ServerResponse, n: number) => void) | undefined;
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => {
      if (behaviour) return behaviour(req, res, seen.length);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ app: name, path: req.url, headers: req.headers }));
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  return {
    name,
    seen,
    behave: (fn) => {
      behaviour = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
