/**
 * Bench backend (child process): on `<ip>`, a TCP sink on 9000 (counts bytes, answers the count as 8 bytes after
 * FIN), a TCP echo on 9001, a one-shot echo on 9002 (answers the first chunk and closes first, so TIME_WAIT lands
 * on the server side and the connection-rate test does not run out of client ports), and an HTTP/1.1 server on 8080
 * answering 1 KiB bodies.
 * Usage: node dist/bench/ztunnel/backend.js <ip>
 */
import * as http from 'node:http';
import * as net from 'node:net';

const ip = process.argv[2] ?? '127.0.19.22';
const body = Buffer.alloc(1024, 'x');

const sink = net.createServer({ allowHalfOpen: true }, (s) => {
  let n = 0;
  s.on('data', (d: Buffer) => (n += d.length));
  s.on('end', () => {
    const out = Buffer.alloc(8);
    out.writeBigUInt64BE(BigInt(n));
    s.end(out);
  });
  s.on('error', () => undefined);
});
const echo = net.createServer((s) => {
  s.on('error', () => undefined);
  s.pipe(s);
});
const oneShot = net.createServer((s) => {
  s.on('error', () => undefined);
  s.once('data', (d: Buffer) => s.end(d));
});
const web = http.createServer({ keepAliveTimeout: 60_000 }, (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
  res.end(body);
});
let ready = 0;
const up = (): void => {
  if (++ready === 4) process.send?.('ready');
};
sink.listen(9000, ip, 1024, up);
echo.listen(9001, ip, 1024, up);
web.listen(8080, ip, 1024, up);
oneShot.listen(9002, ip, 1024, up);
process.on('disconnect', () => process.exit(0));
