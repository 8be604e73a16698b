/** CIDR / single-address matching for ipBlocks, remoteIpBlocks and the `source.ip`-style `when` keys. */
import { isIP } from 'node:net';

export type IpMatcher = (ip: string | undefined) => boolean;

interface Parsed {
  readonly family: 4 | 6;
  readonly bits: bigint;
}

function parseIp(ip: string): Parsed | undefined {
  const v4 = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const fam = isIP(v4);
  if (fam === 4) {
    const n = v4.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
    return { family: 4, bits: n };
  }
  if (fam === 6) return { family: 6, bits: parseV6(v4) };
  return undefined;
}

function parseV6(ip: string): bigint {
  let s = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const n = parseIp(dotted[1]!)!.bits;
    s = s.slice(0, -dotted[1]!.length) + ((n >> 16n) & 0xffffn).toString(16) + ':' + (n & 0xffffn).toString(16);
  }
  const [head, tail] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

/** Compiles one `a.b.c.d`, `a.b.c.d/n` or IPv6 equivalent; throws on junk (validated at policy load). */
export function compileCidr(block: string): IpMatcher {
  const [addr, lenStr] = block.split('/') as [string, string | undefined];
  const base = parseIp(addr);
  if (!base) throw new Error(`"${block}" is not an IP address or CIDR block`);
  const width = base.family === 4 ? 32 : 128;
  const len = lenStr === undefined ? width : Number(lenStr);
  if (!Number.isInteger(len) || len < 0 || len > width) throw new Error(`"${block}": prefix length must be 0-${width}`);
  const shift = BigInt(width - len);
  const want = base.bits >> shift;
  return (ip) => {
    if (!ip) return false;
    const p = parseIp(ip);
    return p !== undefined && p.family === base.family && p.bits >> shift === want;
  };
}

export function compileCidrs(blocks: readonly string[]): IpMatcher {
  const ms = blocks.map(compileCidr);
  return (ip) => ms.some((m) => m(ip));
}
