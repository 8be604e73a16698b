/**
 * One half of a minimal two-process tunnel written with nothing but Node's own modules, for `ztunnel-bench --floor`:
 * what a request costs in Node before any ztunnel logic runs. Modes:
 *   tcp  plain TCP relay on both sides
 *   tls  mTLS between the two halves (TLS 1.3, client certificate verified), plaintext on the outside
 *   h2   one HTTP/2 CONNECT stream per connection over one pooled mTLS session (the shape of HBONE)
 * Usage (child process, signals readiness over IPC):
 *   node dist/bench/ztunnel/floor-proxy.js <mode> <client|server> <listenIp> <listenPort> <nextIp> <nextPort> <dir>
 * `<dir>` holds ca.pem, floor-client.pem and floor-server.pem (certificate chain followed by key).
 */
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [mode, role, listenIp, listenPort, nextIp, nextPort, dir] = process.argv.slice(2);
if (!mode || !role || !listenIp || !listenPort || !nextIp || !nextPort || !dir) throw new Error('usage: floor-proxy <mode> <role> <listenIp> <listenPort> <nextIp> <nextPort> <dir>');
const ca = readFileSync(join(dir, 'ca.pem'));
const pem = readFileSync(join(dir, role === 'client' ? 'floor-client.pem' : 'floor-server.pem'));
const secure = { ca, cert: pem, key: pem, minVersion: 'TLSv1.3' as const };
// SPIFFE certificates carry a URI SAN and no DNS name; the chain check is what both sides need here.
const noHostnameCheck = { checkServerIdentity: (): undefined => undefined };

function splice(a: NodeJS.ReadWriteStream & { destroy(): void }, b: NodeJS.ReadWriteStream & { destroy(): void }): void {
  a.pipe(b).pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
}

const plain = (): net.Socket => net.connect({ host: nextIp, port: Number(nextPort), noDelay: true });
const ready = (): void => void process.send?.('ready');
let session: http2.ClientHttp2Session | undefined;
const h2Session = (): http2.ClientHttp2Session => {
  if (!session || session.destroyed || session.closed) session = http2.connect(`https://${nextIp}:${nextPort}`, { ...secure, ...noHostnameCheck });
  return session;
};

if (mode === 'tcp') {
  net.createServer({ noDelay: true }, (s) => splice(s, plain())).listen(Number(listenPort), listenIp, ready);
} else if (mode === 'tls' && role === 'client') {
  net.createServer({ noDelay: true }, (s) => splice(s, tls.connect({ socket: plain(), ...secure, ...noHostnameCheck }))).listen(Number(listenPort), listenIp, ready);
} else if (mode === 'tls') {
  tls.createServer({ ...secure, requestCert: true, rejectUnauthorized: true, noDelay: true }, (s) => splice(s, plain())).listen(Number(listenPort), listenIp, ready);
} else if (mode === 'h2' && role === 'client') {
  net.createServer({ noDelay: true }, (s) => splice(s, h2Session().request({ ':method': 'CONNECT', ':authority': `${nextIp}:${nextPort}` }))).listen(Number(listenPort), listenIp, ready);
} else if (mode === 'h2') {
  const server = http2.createSecureServer({ ...secure, requestCert: true, rejectUnauthorized: true });
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    splice(stream, plain());
  });
  server.listen(Number(listenPort), listenIp, ready);
} else {
  throw new Error(`floor-proxy: unknown mode ${mode} (tcp, tls or h2)`);
}
process.on('SIGTERM', () => process.exit(0));
