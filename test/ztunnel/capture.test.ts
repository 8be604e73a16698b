/** A packet capture of port 15008 while traffic flows contains only TLS records, never the application bytes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot } from '../support/envoy.js';
import { createFakeCa } from './support/fake-ca.js';
import { echoServer, roundTrip, socksConnect, startNode, workload } from './support/mesh.js';
import { readTcpFlows, tlsRecordTypes } from './support/pcap.js';

const NODE_A = '127.0.18.11';
const NODE_B = '127.0.18.12';
const CLIENT = '127.0.19.1';
const ECHO = '127.0.19.2';

const hasTcpdump = spawnSync('sh', ['-c', 'command -v tcpdump']).status === 0;
const skip = !isRoot() ? 'needs root for tcpdump' : !hasTcpdump ? 'tcpdump not installed (apt-get install -y tcpdump)' : false;

test('HBONE on 15008 carries only TLS', { skip: process.env.CI === 'true' ? false : skip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ambit-pcap-'));
  const pcap = join(dir, 'hbone.pcap');
  const ca = await createFakeCa();
  const nodes = new Map([['ca', NODE_A], ['cb', NODE_B]]);
  const a = await startNode('ca', NODE_A, ca, nodes);
  const b = await startNode('cb', NODE_B, ca, nodes);
  const echo = await echoServer(ECHO, 8080);
  const dump = spawn('tcpdump', ['-i', 'lo', '-U', '-n', '-s', '0', '-B', '32768', '-w', pcap, `tcp port 15008 and host ${NODE_B}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      dump.stderr.on('data', (d: Buffer) => (d.toString().includes('listening on') ? resolve() : undefined));
      dump.once('exit', (code) => reject(new Error(`tcpdump exited ${code}`)));
    });
    for (const n of [a, b]) {
      n.zt.state.upsertWorkload(workload({ name: 'client', ip: CLIENT, node: 'ca' }));
      n.zt.state.upsertWorkload(workload({ name: 'echo', ip: ECHO, node: 'cb' }));
    }
    const secret = Buffer.from('PLAINTEXT-MARKER-'.repeat(4096));
    const { reply, socket } = await socksConnect({ host: NODE_A, port: a.ports.socks5.port }, { ip: ECHO, port: 8080 }, CLIENT);
    assert.equal(reply, 0);
    assert.ok((await roundTrip(socket, secret)).equals(secret));
    // Let tcpdump write out everything it captured (on a loaded CI box it lags behind the traffic).
    await new Promise((r) => setTimeout(r, 1000));
  } finally {
    dump.kill('SIGINT');
    await new Promise((r) => dump.once('close', r));
    await Promise.all([a.zt.close(), b.zt.close(), echo.close()]);
    await ca.close();
  }
  try {
    const flows = readTcpFlows(pcap);
    assert.equal(flows.length, 2, `both directions captured: ${flows.map((f) => f.key).join(', ')}`);
    for (const f of flows) {
      assert.ok(f.payload.length > 16384, `${f.key}: carried the payload (${f.payload.length} bytes)`);
      assert.equal(f.payload.includes('PLAINTEXT-MARKER'), false, `${f.key}: no application bytes in clear`);
      const types = tlsRecordTypes(f.payload);
      assert.ok(types, `${f.key}: a well-formed sequence of TLS records`);
      assert.equal(types[0], 22, 'starts with a handshake record');
      assert.ok(types.filter((t) => t === 23).length > 5, 'application data records');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
