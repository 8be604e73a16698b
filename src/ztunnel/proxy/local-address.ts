/**
 * Whether this host can bind an address as a connection's source. Outbound connections keep the pod's IP as their
 * source where that works (local mode: pod IPs are loopback aliases; in-pod capture: the socket lives in the pod's
 * network namespace). Where the pod IP belongs to another network namespace (compose: the app is its own container),
 * binding it fails with EADDRNOTAVAIL, so the ztunnel's own address is used instead. Interface addresses are read at
 * most every few seconds: `os.networkInterfaces()` walks every interface, too slow to call per connection.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

const REFRESH_MS = 5_000;
let cached: { readonly at: number; readonly addresses: ReadonlySet<string> } | undefined;

function interfaceAddresses(now: number): ReadonlySet<string> {
  if (!cached || now - cached.at > REFRESH_MS) {
    const addresses = new Set<string>();
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) addresses.add(a.address);
    cached = { at: now, addresses };
  }
  return cached.addresses;
}

export function isLocalAddress(ip: string, now: number = Date.now()): boolean {
  if (isIP(ip) === 4 && ip.startsWith('127.')) return true; // the whole of 127/8 is bindable on Linux
  if (ip === '::1') return true;
  return interfaceAddresses(now).has(ip);
}

/** The source workload's address to bind for a connection to `dialIp`: same family and local, else none. */
export function bindableSource(addresses: readonly string[], dialIp: string): string | undefined {
  const ip = addresses.find((a) => isIP(a) === isIP(dialIp));
  return ip !== undefined && isLocalAddress(ip) ? ip : undefined;
}
