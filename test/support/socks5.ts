import net from 'node:net';

/**
 * Minimal RFC 1928 client for tests: no-auth, CONNECT to a domain name or IPv4 target, from a chosen local address
 * (the ztunnel identifies the source workload by it). Resolves with the reply code (0 = succeeded) and the socket.
 */
export function socks5Connect(
  proxy: { host: string; port: number },
  target: { host: string; port: number },
  localAddress: string,
  timeoutMs = 5000,
): Promise<{ reply: number; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: proxy.host, port: proxy.port, localAddress });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`SOCKS5 handshake with ${proxy.host}:${proxy.port} timed out`));
    }, timeoutMs);
    let buf = Buffer.alloc(0);
    let phase: 'method' | 'reply' = 'method';
    socket.once('connect', () => socket.write(Buffer.from([5, 1, 0])));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`SOCKS5 proxy closed the connection during the ${phase} phase`));
    });
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      if (phase === 'method') {
        if (buf.length < 2) return;
        if (buf[1] !== 0) return finish(0xff);
        buf = buf.subarray(2);
        phase = 'reply';
        socket.write(request(target));
      }
      if (phase === 'reply' && buf.length >= 10) finish(buf[1]!);
    };
    const finish = (reply: number): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.removeAllListeners('close');
      socket.removeAllListeners('error');
      resolve({ reply, socket });
    };
    socket.on('data', onData);
  });
}

function request(target: { host: string; port: number }): Buffer {
  const port = Buffer.alloc(2);
  port.writeUInt16BE(target.port);
  if (net.isIPv4(target.host)) {
    return Buffer.concat([Buffer.from([5, 1, 0, 1]), Buffer.from(target.host.split('.').map(Number)), port]);
  }
  const name = Buffer.from(target.host);
  return Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, port]);
}

/** Sends a plain HTTP/1.1 GET over an established socket and resolves with status and body (Connection: close). */
export function httpGetOver(socket: net.Socket, host: string, path = '/', headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    let raw = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (raw += d));
    let resetAfter = false;
    // Envoy 1.40 ends a CONNECT tunnel with RST_STREAM(CONNECT_ERROR) when its internal upstream closes after a
    // `Connection: close` response, and the ztunnel propagates that reset after flushing the bytes. Like curl, accept
    // the response when it is complete by its content-length; anything truncated still fails.
    socket.on('error', () => (resetAfter = true));
    socket.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(raw);
      if (!m) return reject(new Error(`no HTTP response${resetAfter ? ' (connection reset)' : ''} (got ${JSON.stringify(raw.slice(0, 200))})`));
      const [head = '', ...rest] = raw.split('\r\n\r\n');
      const hdrs: Record<string, string> = {};
      for (const line of head.split('\r\n').slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) hdrs[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      const body = rest.join('\r\n\r\n');
      const declared = hdrs['content-length'];
      const complete = declared === undefined ? !resetAfter : Buffer.byteLength(body) >= Number(declared);
      if (!complete) return reject(new Error(`truncated HTTP response (reset=${resetAfter}): ${JSON.stringify(raw.slice(0, 200))}`));
      resolve({ status: Number(m[1]), headers: hdrs, body });
    });
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`);
  });
}
