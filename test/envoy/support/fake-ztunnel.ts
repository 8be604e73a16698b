/**
 * A destination-side HBONE endpoint for tests: HTTP/2 CONNECT over mTLS on `<node address>:15008`, like a ztunnel's
 * inbound. It checks the client certificate against the mesh roots, records SNI, peer identity and :authority of
 * every tunnel, and pipes the stream to the authority (the test app).
 */
import http2 from 'node:http2';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface TunnelRecord {
  readonly sni: string;
  readonly peerUri: string;
  readonly authority: string;
}

export interface FakeZtunnel {
  readonly tunnels: TunnelRecord[];
  close(): Promise<void>;
}

export async function startFakeZtunnel(opts: { address: string; keyPem: string; certChainPem: readonly string[]; rootsPem: readonly string[] }): Promise<FakeZtunnel> {
  const tunnels: TunnelRecord[] = [];
  const server = http2.createSecureServer({
    key: opts.keyPem,
    cert: opts.certChainPem.join(''),
    ca: [...opts.rootsPem],
    requestCert: true,
    rejectUnauthorized: true,
    ALPNProtocols: ['h2'],
    minVersion: 'TLSv1.3',
    // ztunnel advertises 200 concurrent streams; Node's default session memory cap refuses streams under load.
    settings: { maxConcurrentStreams: 200 },
    maxSessionMemory: 256,
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.on('stream', (stream, headers) => {
    const authority = String(headers[':authority'] ?? '');
    const socket = stream.session?.socket as TLSSocket | undefined;
    const peer = socket?.getPeerCertificate();
    tunnels.push({ sni: (socket as unknown as { servername?: string })?.servername ?? '', peerUri: peer?.subjectaltname ?? '', authority });
    if (headers[':method'] !== 'CONNECT') {
      stream.respond({ ':status': 400 }, { endStream: true });
      return;
    }
    const m = /^(.+):(\d+)$/.exec(authority);
    if (!m) {
      stream.respond({ ':status': 400 }, { endStream: true });
      return;
    }
    const upstream = net.connect(Number(m[2]), m[1]!);
    upstream.once('connect', () => {
      stream.respond({ ':status': 200 });
      upstream.pipe(stream);
      stream.pipe(upstream);
    });
    upstream.once('error', () => {
      if (!stream.headersSent) stream.respond({ ':status': 503 }, { endStream: true });
      else stream.close(http2.constants.NGHTTP2_CONNECT_ERROR);
    });
    stream.on('error', () => upstream.destroy());
    stream.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(15008, opts.address, () => resolve());
  });
  return {
    tunnels,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}
