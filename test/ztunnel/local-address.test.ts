/** Source-address binding: only addresses this host owns are bound (a pod IP of another container is not). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { networkInterfaces } from 'node:os';
import { readFileSync } from 'node:fs';
import { bindableSource, isLocalAddress } from '../../src/ztunnel/proxy/local-address.js';

test('loopback aliases and interface addresses are local; a foreign pod IP is not, and binding it would fail', async () => {
  assert.equal(isLocalAddress('127.0.1.7'), true);
  assert.equal(isLocalAddress('::1'), true);
  const own = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  if (own) assert.equal(isLocalAddress(own), true);
  const foreign = '192.0.2.77'; // TEST-NET-1: on no interface here
  assert.equal(isLocalAddress(foreign), false);
  // What the check protects against: connect() with that source address fails outright.
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const c = net.connect({ host: '127.0.0.1', port, localAddress: foreign });
    c.once('connect', () => {
      c.destroy();
      resolve(undefined);
    });
    c.once('error', resolve);
  });
  server.close();
  const nonlocalBind = readFileSync('/proc/sys/net/ipv4/ip_nonlocal_bind', 'utf8').trim() === '1';
  if (!nonlocalBind) assert.ok(err, 'binding a non-local address fails on this host');
  assert.equal(bindableSource(['127.0.1.7'], '127.0.0.11'), '127.0.1.7');
  assert.equal(bindableSource([foreign], '127.0.0.11'), undefined, 'foreign pod IP: let the kernel choose');
  assert.equal(bindableSource(['127.0.1.7'], '::1'), undefined, 'no address of the dialed family');
});
