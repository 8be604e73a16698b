/** Minimal pcap reader for loopback/ethernet IPv4 TCP captures: per-direction reassembled payloads. */
import { readFileSync } from 'node:fs';

export interface TcpFlow {
  readonly key: string;
  readonly payload: Buffer;
}

export function readTcpFlows(path: string): TcpFlow[] {
  const buf = readFileSync(path);
  if (buf.length < 24) return [];
  const le = buf.readUInt32LE(0) === 0xa1b2c3d4;
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20);
  const linkHeader = linkType === 1 ? 14 : linkType === 113 ? 16 : linkType === 0 ? 4 : 0;
  const segments = new Map<string, Map<number, Buffer>>();
  for (let off = 24; off + 16 <= buf.length; ) {
    const caplen = u32(off + 8);
    const pkt = buf.subarray(off + 16, off + 16 + caplen);
    off += 16 + caplen;
    const ip = pkt.subarray(linkHeader);
    if (ip.length < 20 || ip[0]! >> 4 !== 4 || ip[9] !== 6) continue;
    const ihl = (ip[0]! & 0x0f) * 4;
    const total = ip.readUInt16BE(2);
    const tcp = ip.subarray(ihl, total);
    const dataOff = (tcp[12]! >> 4) * 4;
    const data = tcp.subarray(dataOff);
    if (data.length === 0) continue;
    const key = `${ip.subarray(12, 16).join('.')}:${tcp.readUInt16BE(0)}>${ip.subarray(16, 20).join('.')}:${tcp.readUInt16BE(2)}`;
    const seq = tcp.readUInt32BE(4);
    const m = segments.get(key) ?? new Map<number, Buffer>();
    m.set(seq, Buffer.from(data));
    segments.set(key, m);
  }
  return [...segments].map(([key, m]) => ({
    key,
    payload: Buffer.concat([...m.entries()].sort((x, y) => x[0] - y[0]).map(([, d]) => d)),
  }));
}

/**
 * Splits a byte stream into TLS records; undefined when it is not a well-formed sequence of TLS records. The last
 * record may be cut short (the capture can stop mid-record).
 */
export function tlsRecordTypes(stream: Buffer): number[] | undefined {
  const types: number[] = [];
  let off = 0;
  while (off + 5 <= stream.length) {
    const type = stream[off]!;
    const major = stream[off + 1];
    const len = stream.readUInt16BE(off + 3);
    if (type < 20 || type > 23 || major !== 3) return undefined;
    types.push(type);
    off += 5 + len;
  }
  return off >= stream.length ? types : undefined;
}
