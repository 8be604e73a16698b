/**
 * IP address ⇄ raw bytes, as Istio's WDS messages carry addresses (`bytes` fields of 4 or 16 octets).
 */
import { isIPv4, isIPv6 } from 'node:net';

/** 4 bytes for IPv4, 16 for IPv6; undefined when `ip` is not an IP literal. */
export function ipToBytes(ip: string): Buffer | undefined {
  if (isIPv4(ip)) {
    const o = ip.split('.');
    const b = Buffer.allocUnsafe(4);
    for (let i = 0; i < 4; i++) b[i] = Number(o[i]);
    return b;
  }
  if (!isIPv6(ip)) return undefined;
  let s = ip.split('%')[0]!;
  const v4Words: number[] = [];
  const lastColon = s.lastIndexOf(':');
  const lastPart = s.slice(lastColon + 1);
  if (lastPart.includes('.')) {
    const o = lastPart.split('.').map((x) => Number(x));
    v4Words.push((o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!);
    s = s.slice(0, lastColon + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const [left, right] = s.split('::') as [string, string | undefined];
  const words = (part: string | undefined): number[] => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const l = words(left);
  const r = [...words(right), ...v4Words];
  const groups = right === undefined ? [...l, ...v4Words] : [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** Inverse of ipToBytes; IPv6 in compressed canonical form (RFC 5952). Undefined for other lengths. */
export function bytesToIp(bytes: Uint8Array): string | undefined {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) return undefined;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
