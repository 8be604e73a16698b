/** IP helpers: raw WDS bytes → text, IPv4-mapped normalization, CIDR containment. */
import { isIP } from 'node:net';

/** 4 or 16 raw bytes → textual IP; undefined for anything else. */
export function bytesToIp(raw: unknown): string | undefined {
  if (!(raw instanceof Uint8Array)) return undefined;
  const b = Buffer.from(raw);
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) return undefined;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return normalizeIp(groups.join(':'));
}

/** Textual IP → raw bytes (4 or 16). */
export function ipToBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const expand = (parts: string[]): number[] =>
    parts.flatMap((p) => {
      if (!p.includes('.')) return [parseInt(p, 16)];
      const v4 = ipToBytes(p); // embedded IPv4 tail, e.g. ::ffff:1.2.3.4
      return [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    });
  const hv = expand(h);
  const tv = expand(t);
  const words = ip.includes('::') ? [...hv, ...new Array<number>(8 - hv.length - tv.length).fill(0), ...tv] : hv;
  const out = Buffer.alloc(16);
  words.forEach((w, i) => out.writeUInt16BE(w & 0xffff, i * 2));
  return out;
}

/** Strips the `::ffff:` prefix of IPv4-mapped addresses and compresses IPv6 text canonically. */
export function normalizeIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (isIP(ip) !== 6) return ip;
  const b = ipToBytes(ip);
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(b.readUInt16BE(i));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** True when `ip` lies in `cidrIp/length` (same family only). */
export function cidrContains(cidrIp: string, length: number, ip: string): boolean {
  if (isIP(cidrIp) !== isIP(ip)) return false;
  const a = ipToBytes(cidrIp);
  const b = ipToBytes(ip);
  let bits = length;
  for (let i = 0; i < a.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a[i]! & mask) !== (b[i]! & mask)) return false;
  }
  return true;
}

/** `ip:port`, bracketing IPv6 as Rust's SocketAddr display does. */
export function formatHostPort(ip: string, port: number): string {
  return isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Parses `ip:port` / `[v6]:port`; undefined when not of that form. */
export function parseIpPort(text: string): { ip: string; port: number } | undefined {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(text) ?? /^(\d+\.\d+\.\d+\.\d+):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (isIP(m[1]!) === 0 || port < 1 || port > 65535) return undefined;
  return { ip: normalizeIp(m[1]!), port };
}
