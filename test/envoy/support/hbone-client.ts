/**
 * A plain HBONE client for tests (what a source ztunnel does toward a waypoint): one mTLS HTTP/2 connection to
 * `<waypoint>:15008`, one CONNECT stream per request with `:authority` = the original destination (VIP:port), and a
 * raw HTTP/1.1 exchange inside the tunnel.
 */
import http2 from 'node:http2';
import type { PeerCertificate } from 'node:tls';

export interface HttpResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface HboneClient {
  /** One HTTP/1.1 request through a fresh CONNECT tunnel to `authority`. */
  request(authority: string, req: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<HttpResult>;
  /** Opens a tunnel, writes `data`, and resolves with the first bytes that come back. */
  tcpExchange(authority: string, data: string): Promise<string>;
  /** CONNECT status only (the tunnel is closed right away). */
  connectStatus(authority: string): Promise<number>;
  close(): void;
}

export function createHboneClient(opts: { address: string; keyPem: string; certChainPem: readonly string[]; rootsPem: readonly string[]; trustDomain?: string }): HboneClient {
  const td = opts.trustDomain ?? 'cluster.local';
  const session = http2.connect(`https://${opts.address}:15008`, {
    key: opts.keyPem,
    cert: opts.certChainPem.join(''),
    ca: [...opts.rootsPem],
    ALPNProtocols: ['h2'],
    minVersion: 'TLSv1.3',
    // HBONE peers are checked by SPIFFE trust domain, not hostname (as ztunnel toward a waypoint).
    checkServerIdentity: (_host: string, cert: PeerCertificate) =>
      (cert.subjectaltname ?? '').includes(`URI:spiffe://${td}/`) ? undefined : new Error(`waypoint certificate has no spiffe://${td}/ SAN`),
  });
  session.on('error', () => undefined);

  const open = (authority: string): Promise<{ stream: http2.ClientHttp2Stream; status: number }> =>
    new Promise((resolve, reject) => {
      const stream = session.request({ ':method': 'CONNECT', ':authority': authority });
      stream.once('response', (h) => resolve({ stream, status: Number(h[':status']) }));
      stream.once('error', reject);
    });

  return {
    async connectStatus(authority) {
      const { stream, status } = await open(authority);
      stream.close();
      return status;
    },
    async tcpExchange(authority, data) {
      const { stream, status } = await open(authority);
      if (status !== 200) throw new Error(`CONNECT ${authority} answered ${status}`);
      stream.write(data);
      const reply = await new Promise<string>((resolve, reject) => {
        stream.once('data', (c: Buffer) => resolve(c.toString('utf8')));
        stream.once('error', reject);
        stream.once('close', () => reject(new Error('tunnel closed without data')));
      });
      stream.close();
      return reply;
    },
    async request(authority, req) {
      const { stream, status } = await open(authority);
      if (status !== 200) {
        stream.close();
        throw new Error(`CONNECT ${authority} answered ${status}`);
      }
      const body = req.body ?? '';
      const headers = { host: authority, connection: 'close', 'content-length': String(Buffer.byteLength(body)), ...req.headers };
      const head = `${req.method ?? 'GET'} ${req.path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
      stream.write(head + body);
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      // Envoy ends the tunnel with RST_STREAM(CONNECT_ERROR) once the inner connection closes after the response
      // (as it does toward ztunnel); what counts is whether a complete response arrived first.
      const streamError = await new Promise<Error | undefined>((resolve) => {
        stream.once('end', () => resolve(undefined));
        stream.once('close', () => resolve(undefined));
        stream.once('error', (err: Error) => resolve(err));
      });
      // Half-close our side (END_STREAM) rather than RST_STREAM: servers treat RST bursts as a rapid-reset attack.
      if (!stream.closed) stream.end();
      try {
        return parseResponse(Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        throw streamError ?? err;
      }
    },
    close() {
      session.close();
    },
  };
}

/** Minimal HTTP/1.1 response parser (content-length, chunked or read-to-close). */
export function parseResponse(raw: string): HttpResult {
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`incomplete HTTP response: ${JSON.stringify(raw.slice(0, 200))}`);
  const [statusLine, ...lines] = raw.slice(0, split).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = raw.slice(split + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    let out = '';
    let rest = body;
    for (;;) {
      const nl = rest.indexOf('\r\n');
      const size = parseInt(rest.slice(0, nl), 16);
      if (!size) break;
      out += rest.slice(nl + 2, nl + 2 + size);
      rest = rest.slice(nl + 2 + size + 2);
    }
    body = out;
  } else if (headers['content-length'] !== undefined) {
    const len = Number(headers['content-length']);
    if (Buffer.byteLength(body) < len) throw new Error(`truncated HTTP response body (${Buffer.byteLength(body)}/${len} bytes)`);
    body = body.slice(0, len);
  }
  return { status, headers, body };
}
